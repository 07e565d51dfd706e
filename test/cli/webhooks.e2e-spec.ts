import { createZanApp } from '../../apps/zan/src/zan.app';
import { loadConfig } from '@zan/platform';
import { clientFor } from '../support/http-client';
import { eventually } from '../support/eventually';
import { startFullStackInProcess } from '../support/stacks';
import { WebhookReceiver } from '../support/webhook-receiver';
import { cliStack } from './cli-harness';

jest.setTimeout(120_000);

/** `zan webhooks list | deliveries | replay` against a running full stack with its dispatcher. */
describe('zan webhooks (PostgreSQL, a running dispatcher)', () => {
  it('lists endpoints without secrets, shows a delivery log, and replays a range the dispatcher sends again', async () => {
    const stack = await startFullStackInProcess('cli-webhooks', { env: { ZAN_WEBHOOKS_ALLOW_PRIVATE: 'true' } });
    const dispatcher = await createZanApp({ config: loadConfig(stack.env), roles: ['webhooks'], logger: ['error', 'fatal'] });
    await dispatcher.init();
    const receiver = await WebhookReceiver.start();
    const cli = cliStack('cli-webhooks-unused');
    const zan = (argv: string[]) => cli.zan(argv, { env: { ...stack.env, ZAN_NO_PROGRESS: '1' } });
    try {
      const admin = clientFor(stack.app, 'root', { roles: ['admin'] });
      const { endpointId, secret } = (await admin.post('/v1/webhooks/endpoints', { url: receiver.url, events: ['ArticlePublished'] }, null).expect(201)).body;
      const published = await clientFor(stack.app, 'cli-author').post('/v1/articles', { articleId: 'cli-1', title: 'CLI' }, null).expect(201);
      await eventually('delivered', async () => receiver.received.length === 1);

      const list = await zan(['webhooks', 'list', '--json']);
      expect(list.code).toBe(0);
      expect(JSON.parse(list.stdout)).toEqual([
        expect.objectContaining({ id: endpointId, url: receiver.url, status: 'enabled', events: ['ArticlePublished'] }),
      ]);
      expect(list.stdout).not.toContain(secret);
      expect((await zan(['webhooks', 'list'])).stdout).toContain(endpointId);

      const log = await zan(['webhooks', 'deliveries', endpointId, '--json']);
      expect(JSON.parse(log.stdout)).toEqual([
        expect.objectContaining({ eventId: receiver.received[0]!.id, type: 'ArticlePublished', attempt: 1, status: 'delivered', responseStatus: 204 }),
      ]);

      const replay = await zan(['webhooks', 'replay', endpointId, '--after', (BigInt(published.body.position) - 1n).toString()]);
      expect(replay).toMatchObject({ code: 0, stdout: expect.stringContaining('1 deliveries queued again') });
      await eventually('replayed', async () => receiver.received.length === 2);
      expect(receiver.received[1]!.id).toBe(receiver.received[0]!.id);

      expect((await zan(['webhooks', 'deliveries', '00000000-0000-4000-8000-000000000000'])).code).not.toBe(0);
      expect((await zan(['webhooks', 'replay', endpointId])).code).not.toBe(0);
    } finally {
      await receiver.close();
      await dispatcher.close();
      await stack.close();
      await cli.dispose();
    }
  });
});
