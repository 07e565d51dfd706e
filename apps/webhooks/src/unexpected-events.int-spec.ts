import { randomUUID } from 'node:crypto';
import { walletStream, type StoredEvent } from '@zan/contracts';
import { createPostgresEventStore, type PostgresEventStore } from '@zan/event-store';
import { KafkaEventBus, encodeEvent, type KafkaRecord } from '@zan/messaging';
import { systemClock, type ZanConfig } from '@zan/platform';
import { RedisWebhookStore, newEndpointSecret } from '@zan/webhooks';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { eventually } from '../../../test/support/eventually';
import { isolation, testServers } from '../../../test/support/isolation';
import { dropIsolation } from '../../../test/support/stacks';
import { WebhookReceiver } from '../../../test/support/webhook-receiver';
import { WebhooksService } from './webhooks.service';

jest.setTimeout(60_000);

const { databaseUrl, redisUrl, kafkaBrokers } = testServers();
const kafka = new Kafka({ clientId: 'webhooks-unexpected', brokers: kafkaBrokers, logLevel: logLevel.NOTHING });

/**
 * A message on a zan.<category> topic that Zan did not store (a third party with write access, a bug,
 * a replayed copy altered on the way): the dispatcher signs what it sends with the endpoint's secret,
 * so an integrator takes it for Zan's word. Real Kafka, PostgreSQL and Redis.
 */
describe('webhooks: messages on the topics that are not what Zan stored', () => {
  const iso = isolation('webhooks-forged');
  let events: PostgresEventStore;
  let bus: KafkaEventBus;
  let store: RedisWebhookStore;
  let service: WebhooksService;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    events = await createPostgresEventStore({ connectionString: databaseUrl, schema: iso.pgSchema, poolSize: 4 });
    bus = new KafkaEventBus({ brokers: kafkaBrokers, clientId: 'webhooks-forged', topicPrefix: iso.topicPrefix, partitions: 3, maxWaitTimeMs: 100 });
    store = new RedisWebhookStore({ redis: redisUrl, prefix: iso.redisPrefix });
    receiver = await WebhookReceiver.start();
  });

  afterAll(async () => {
    await service?.onModuleDestroy();
    await receiver?.close();
    await bus.close();
    await store.close();
    await events.eventStore.close();
    await dropIsolation(iso);
  });

  const funding = (userId: string, amount: number) => ({
    id: randomUUID(),
    type: 'WalletFunded',
    data: { userId, fundingId: randomUUID(), amount, source: { kind: 'card', cardId: `card-${userId}` } },
    metadata: { correlationId: randomUUID(), causationId: randomUUID(), userId },
    occurredAt: new Date().toISOString(),
  });

  it('sends only what the event store holds: neither a forged event nor an altered copy of a real one is sent', async () => {
    const config = {
      topicPrefix: iso.topicPrefix,
      webhooks: {
        allowPrivate: true,
        timeoutMs: 2_000,
        retry: { baseMs: 100, maxMs: 400, windowMs: 60_000, disableAfterMs: 3_600_000 },
        secretOverlapMs: 0,
        concurrency: 4,
        store: 'redis',
      },
    } as unknown as ZanConfig;
    await store.createEndpoint({
      id: `ep-${randomUUID()}`,
      url: receiver.url,
      events: ['WalletFunded'],
      status: 'enabled',
      fromPosition: 0n,
      createdAt: new Date().toISOString(),
      secrets: [{ secret: newEndpointSecret() }],
    });

    const { events: stored } = await events.eventStore.append(walletStream('alice'), [funding('alice', 1_000), funding('alice', 2_000)], 'no_stream');
    const [first, second] = stored as [StoredEvent, StoredEvent];
    const encode = (event: StoredEvent, prev: bigint): KafkaRecord => encodeEvent(event, prev, iso.topicPrefix);
    // Never stored: mallory "funded" with 50,000 yuan, at a position past the head.
    const forged = {
      ...first,
      id: randomUUID(),
      streamId: walletStream('mallory'),
      revision: 0,
      position: second.position + 1_000n,
      data: { ...(first.data as object), userId: 'mallory', amount: 5_000_000 },
    };
    // The first funding's id, subject and sequence, carrying another amount, ahead of the real one.
    const altered = { ...first, data: { ...(first.data as object), amount: 999_999 } };
    const records = [encode(forged, second.position), encode(altered, 0n), encode(first, 0n), encode(second, first.position)];
    await bus.ensureTopics(['wallet']);
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    for (const { topic, key, headers, value } of records) await producer.send({ topic, messages: [{ key, headers, value }] });
    await producer.disconnect();

    service = new WebhooksService(bus, store, config, systemClock, events.eventStore);
    await service.onApplicationBootstrap();
    await eventually('the second funding sent', async () => receiver.received.some((r) => r.id === second.id));
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    const sent = receiver.received.map((r) => ({ id: r.id, subject: r.event.subject, amount: (r.event.data as { amount: number }).amount }));
    expect(sent.filter((s) => s.subject === walletStream('mallory'))).toEqual([]);
    expect(sent.filter((s) => s.id === first.id).map((s) => s.amount)).toEqual([1_000]);
    expect(sent.filter((s) => s.id === second.id).map((s) => s.amount)).toEqual([2_000]);
    expect(service.refused).toBe(2);
  });
});
