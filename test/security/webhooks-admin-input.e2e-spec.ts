import type { INestApplication } from '@nestjs/common';
import { clientFor, type Client } from '../support/http-client';
import { startEmbeddedZan } from '../support/stacks';

/**
 * The webhooks admin routes against hostile input, ZAN_WEBHOOKS_ALLOW_PRIVATE unset: every URL that
 * names a private, loopback or link-local host, however written, is a 400 naming `url`, and creates
 * no endpoint; a replay's positions are decimal strings (a null `until` included) or a 400, never a 500.
 */
describe('webhooks admin routes, hostile input (embedded default)', () => {
  let zan: Awaited<ReturnType<typeof startEmbeddedZan>>;
  let app: INestApplication;
  let admin: Client;
  beforeAll(async () => {
    zan = await startEmbeddedZan();
    app = zan.app;
    admin = clientFor(app, 'wh-root', { roles: ['admin'] });
  }, 120_000);
  afterAll(async () => {
    await zan?.close();
  }, 60_000);

  const endpointCount = async () => ((await admin.get('/v1/webhooks/endpoints').expect(200)).body as unknown[]).length;

  it.each([
    'http://127.0.0.1/hook',
    'https://127.0.0.1/hook',
    'https://[::1]/hook',
    'https://169.254.169.254/latest/meta-data',
    'https://[::ffff:127.0.0.1]/hook',
    'https://[::127.0.0.1]/hook',
    'https://[64:ff9b::127.0.0.1]/hook',
    'https://[64:ff9b::a9fe:a9fe]/hook',
    'https://2130706433/hook',
    'https://0177.0.0.1/hook',
    'https://0x7f.1/hook',
    'https://127.1/hook',
    'https://good.example@127.0.0.1/hook',
    'https://localhost/hook',
    'https://localhost./hook',
    'https://api.localhost./hook',
    'https://10.0.0.1./hook',
    'file:///etc/passwd',
    'https://hooks.example/zan#frag',
    'https://hooks.example/zan#',
    'https://hooks.example/zan?x=1#',
  ])('refuses %s with a 400 naming url, and creates nothing', async (url) => {
    const before = await endpointCount();
    const refused = await admin.post('/v1/webhooks/endpoints', { url, events: ['OrderPlaced'] }, null);
    expect([refused.status, refused.headers['content-type']]).toEqual([400, expect.stringMatching(/application\/problem\+json/)]);
    expect(refused.body.errors).toEqual([expect.objectContaining({ field: 'url' })]);
    expect(await endpointCount()).toBe(before);
  });

  // An unknown id is not echoed back whole (other routes clip it to 64 characters too).
  it('answers an unknown endpoint with a 404 that does not repeat a 5,000-character id', async () => {
    const missing = await admin.get(`/v1/webhooks/endpoints/${'a'.repeat(5_000)}/deliveries`);
    expect(missing.status).toBe(404);
    expect(missing.body.detail.length).toBeLessThan(200);
  });

  it('answers a replay with a null, numeric or reversed position with a 400 naming the field, and one past the head up to the head', async () => {
    const { endpointId } = (await admin.post('/v1/webhooks/endpoints', { url: 'https://hooks.example/zan', events: ['OrderPlaced'] }, null).expect(201)).body;
    const replay = (body: object) => admin.post(`/v1/webhooks/endpoints/${endpointId}/replays`, body, null);
    for (const [body, field] of [
      [{ after: '0', until: null }, 'until'],
      [{ after: null }, 'after'],
      [{ after: 5 }, 'after'],
      [{ after: '0', until: 9 }, 'until'],
      [{ after: '10', until: '5' }, 'until'],
    ] as const) {
      const refused = await replay(body);
      if (refused.status !== 400) throw new Error(`${JSON.stringify(body)}: answered ${refused.status} ${JSON.stringify(refused.body)}`);
      expect(refused.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(refused.body.errors).toEqual([expect.objectContaining({ field })]);
    }
    const all = (await replay({ after: '0' }).expect(202)).body;
    // A position past the head replays up to the head (nothing is appended meanwhile here), and says so.
    expect((await replay({ after: '0', until: '9'.repeat(31) }).expect(202)).body).toEqual(all);
    // An `after` past the head with no `until` is a reversed range (until defaults to the head), a 400
    // naming `after`: it named `until`, a field the request did not send ("until: must not be before after").
    const alone = await replay({ after: '9'.repeat(31) });
    expect({ status: alone.status, fields: alone.body.errors?.map((error: { field: string }) => error.field) }).toEqual({ status: 400, fields: ['after'] });
  });
});
