import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { walletStream } from '@zan/contracts';
import { MemoryEventStore } from '@zan/event-store';
import { type ZanConfig, systemClock } from '@zan/platform';
import { RedisWebhookStore } from '@zan/webhooks';
import { isolation, testServers } from '../../../../../test/support/isolation';
import { WebhookEndpoints } from '../webhook-endpoints';
import { CreateEndpointController } from './create-endpoint.controller';

const funded = (userId: string) => ({
  id: randomUUID(),
  type: 'WalletFunded',
  data: { userId, fundingId: randomUUID(), amount: 100, source: { kind: 'card', cardId: 'c' } },
  metadata: { correlationId: 'c', causationId: 'c', userId },
  occurredAt: new Date().toISOString(),
});

/**
 * An endpoint gets every event after its starting position (the head when it was created), though
 * one may be stored after the head's read and consumed by the webhooks app before the endpoint's
 * row exists: the app queued it for no one. Real Redis for the webhook store.
 */
describe('creating a webhook endpoint', () => {
  const { redisPrefix } = isolation('webhook-create');
  const store = new RedisWebhookStore({ redis: testServers().redisUrl, prefix: redisPrefix });

  afterAll(async () => {
    const redis = new Redis(testServers().redisUrl);
    const keys = await redis.keys(`${redisPrefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
    await store.close();
  });

  it('queues, once, an event stored between the head it starts after and its row', async () => {
    const events = new MemoryEventStore();
    await events.append(walletStream('ann'), [funded('ann')], 'any');
    // Another replica's command lands right after this one reads the head (and the webhooks app
    // consumes it before the row is written: nothing queued it for the new endpoint).
    let raced = false;
    const headPosition = events.headPosition.bind(events);
    events.headPosition = async () => {
      const head = await headPosition();
      if (!raced) {
        raced = true;
        await events.append(walletStream('bo'), [funded('bo')], 'any');
      }
      return head;
    };
    const config = { webhooks: { allowPrivate: false } } as unknown as ZanConfig;
    const controller = new CreateEndpointController(new WebhookEndpoints(store, config), events, systemClock);
    const { endpointId } = await controller.create({ url: 'https://platform.example/hooks', events: ['WalletFunded'] });

    const late = (await events.readAll()).at(-1)!;
    expect(late.data).toMatchObject({ userId: 'bo' });
    expect(await store.backlog()).toMatchObject({ pending: 1 });
    const claimed = await store.claim(new Date(Date.now() + 1_000), 10, new Date(Date.now() + 60_000));
    expect(claimed.map((d) => [d.endpointId, d.eventId])).toEqual([[endpointId, late.id]]);
  });
});
