import { Kafka, logLevel, Partitioners, type Admin, type KafkaMessage } from 'kafkajs';
import { isolation, testServers } from '../../../../test/support/isolation';
import { UndecodableMessageError } from '../cloud-events';
import type { DeliveredEvent, EventConsumer, OutgoingEvent, RawDelivery } from '../event-bus.port';
import { eventLog, walletFunded } from '../testing/events';
import { waitFor } from '../testing/wait-for';
import { KafkaEventBus } from './kafka-event-bus';

jest.setTimeout(30_000);

const brokers = testServers().kafkaBrokers;
const kafka = new Kafka({ clientId: 'messaging-int-spec', brokers, logLevel: logLevel.WARN });

describe('KafkaEventBus against a real broker', () => {
  let admin: Admin;
  const buses: KafkaEventBus[] = [];
  const prefixes: string[] = [];

  /** A bus on topics of its own: every test starts from empty topics. */
  const newBus = (label: string, prefix = isolation(label).topicPrefix): KafkaEventBus => {
    const bus = new KafkaEventBus({ brokers, clientId: `int-${label}`, topicPrefix: prefix, partitions: 3 });
    buses.push(bus);
    prefixes.push(prefix);
    return bus;
  };
  const groupId = (label: string): string => `${isolation(label).id}-group`;
  /** Polls the group's lag on the wallet topic until it is `lag`; fails after `timeoutMs`. */
  const groupLagReaches = async (bus: KafkaEventBus, group: string, lag: number, timeoutMs: number): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while ((await bus.lag(group, ['wallet'])) !== lag) {
      if (Date.now() > deadline) throw new Error(`the group's lag did not reach ${lag} within ${timeoutMs / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
  });

  afterAll(async () => {
    await Promise.all(buses.map((b) => b.close()));
    const topics = (await admin.listTopics()).filter((t) => prefixes.some((p) => t.startsWith(`${p}.`)));
    if (topics.length > 0) await admin.deleteTopics({ topics });
    await admin.disconnect();
  });

  it('creates missing topics with the configured partitions and unlimited retention, idempotently', async () => {
    const prefix = isolation('ensure').topicPrefix;
    const bus = newBus('ensure', prefix);
    await bus.ensureTopics(['wallet', 'article']);
    await bus.ensureTopics(['wallet', 'article', 'red-packet']);
    // Other processes (no cache of what exists) racing to create the same topics.
    await Promise.all([newBus('ensure2', prefix).ensureTopics(['wallet', 'red-packet']), newBus('ensure3', prefix).ensureTopics(['article'])]);

    const topics = [`${prefix}.wallet`, `${prefix}.article`, `${prefix}.red-packet`];
    const metadata = await admin.fetchTopicMetadata({ topics });
    expect(metadata.topics.map((t) => [t.name, t.partitions.length]).sort()).toEqual(topics.map((t) => [t, 3]).sort());
    const configs = await admin.describeConfigs({
      includeSynonyms: false,
      resources: topics.map((name) => ({ type: 2 /* TOPIC */, name, configNames: ['retention.ms'] })),
    });
    for (const resource of configs.resources) {
      expect(resource.configEntries.find((c) => c.configName === 'retention.ms')?.configValue).toBe('-1');
    }
  });

  it('publishes a batch across streams: each stream whole, in revision order, on its category topic, with the contract headers', async () => {
    const bus = newBus('publish');
    const log = eventLog();
    const batch: OutgoingEvent[] = [];
    for (let i = 0; i < 5; i++) {
      for (const user of ['alice', 'bob', 'carol', 'dave']) {
        const e = walletFunded(user, 100 + i);
        batch.push(log.next(`wallet-${user}`, e.type, e.data));
      }
      batch.push(log.next('wallet-alice', 'TipPraised', { tipId: `t${i}`, readerId: 'alice', authorId: 'bob', articleId: 'a', amount: 500 }));
      batch.push(
        log.next(`red-packet-rp${i}`, 'RedPacketEscrowed', {
          redPacketId: `rp${i}`,
          senderId: 'carol',
          amount: 10,
          shares: 2,
          mode: 'equal',
          expiresAt: '2026-11-26T00:00:00.000Z',
        }),
      );
    }
    const publisher = bus.publisher();
    await publisher.publish(batch);

    const delivered: DeliveredEvent[] = [];
    const consumer = bus.consumer({
      groupId: groupId('publish'),
      categories: ['wallet', 'red-packet'],
      handle: async (d) => void delivered.push(d),
    });
    await consumer.start();
    // The wire, read by a plain client: what other services see.
    const raw: Array<{ topic: string; partition: number; message: KafkaMessage }> = [];
    const plain = kafka.consumer({ groupId: groupId('publish-raw'), maxWaitTimeInMs: 200 });
    await plain.connect();
    await plain.subscribe({ topics: ['wallet', 'red-packet'].map((c) => bus.topicFor(c)), fromBeginning: true });
    await plain.run({ eachMessage: async (m) => void raw.push(m) });
    try {
      await waitFor(
        'every event',
        () => delivered.length === batch.length && raw.length === batch.length,
        15_000,
        () => [delivered.length, raw.length],
      );
    } finally {
      await consumer.stop();
      await plain.disconnect();
    }

    // The stream's category, whatever the type: a TipPraised of wallet-alice is on the wallet topic.
    const expectedTopic = (o: OutgoingEvent): string => bus.topicFor(o.event.streamId.startsWith('wallet-') ? 'wallet' : 'red-packet');
    expect(new Set(delivered.map((d) => d.event.id)).size).toBe(batch.length);
    for (const sent of batch) {
      const got = delivered.find((d) => d.event.id === sent.event.id)!;
      expect({ event: got.event, prevPosition: got.prevPosition }).toEqual(sent);
      expect(got.topic).toBe(expectedTopic(sent));
      expect(got.category).toBe(got.topic.slice(bus.config.topicPrefix.length + 1));
    }
    // Per stream and topic: one partition, offsets rising with the revision.
    const streams = new Set(batch.map((o) => `${expectedTopic(o)} ${o.event.streamId}`));
    for (const stream of streams) {
      const got = delivered.filter((d) => `${d.topic} ${d.event.streamId}` === stream);
      expect(new Set(got.map((d) => d.partition)).size).toBe(1);
      const byOffset = [...got].sort((a, b) => Number(BigInt(a.offset) - BigInt(b.offset)));
      const revisions = byOffset.map((d) => d.event.revision);
      expect(revisions).toEqual(revisions.map((_, i) => i));
    }
    expect(new Set(delivered.filter((d) => d.category === 'wallet').map((d) => d.partition)).size).toBeGreaterThan(1);

    for (const sent of batch) {
      const { event } = sent;
      const wire = raw.find((r) => r.message.headers?.ce_id?.toString() === event.id)!;
      expect(wire.topic).toBe(expectedTopic(sent));
      expect(wire.message.key?.toString()).toBe(event.streamId);
      const headers = Object.fromEntries(Object.entries(wire.message.headers ?? {}).map(([k, v]) => [k, String(v)]));
      expect(headers).toEqual({
        ce_specversion: '1.0',
        ce_id: event.id,
        ce_type: `zan.${event.type}.v${event.version}`,
        ce_source: `urn:zan:${event.streamId.startsWith('wallet-') ? 'wallet' : 'red-packet'}`,
        ce_subject: event.streamId,
        ce_time: event.occurredAt,
        'content-type': 'application/json',
        ce_sequence: String(event.revision),
        ce_zanposition: event.position.toString(),
        ce_correlationid: event.metadata.correlationId,
        ce_causationid: event.metadata.causationId,
        zan_position: event.position.toString(),
        zan_revision: String(event.revision),
        zan_prev_position: sent.prevPosition.toString(),
        zan_metadata: JSON.stringify(event.metadata),
      });
      expect(JSON.parse(wire.message.value!.toString())).toEqual(event.data);
    }
  });

  it("answers ping, and reports a group's lag across partitions until it has committed everything", async () => {
    const bus = newBus('lag');
    await bus.ping();
    const log = eventLog();
    const batch: OutgoingEvent[] = [];
    for (const user of ['u1', 'u2', 'u3', 'u4', 'u5']) {
      const e = walletFunded(user, 100);
      batch.push(log.next(`wallet-${user}`, e.type, e.data));
    }
    await bus.publisher().publish(batch);
    const group = groupId('lag');
    expect(await bus.lag(group, ['wallet'])).toBe(5);
    const seen: DeliveredEvent[] = [];
    const consumer = bus.consumer({ groupId: group, categories: ['wallet'], handle: async (d) => void seen.push(d) });
    await consumer.start();
    try {
      await waitFor(
        'every event',
        () => seen.length === 5,
        15_000,
        () => seen.length,
      );
    } finally {
      await consumer.stop();
    }
    expect(await bus.lag(group, ['wallet'])).toBe(0);
  });

  it('commits what a stopped consumer handled; the next member of its group resumes right after', async () => {
    const bus = newBus('resume');
    const log = eventLog();
    const batch: OutgoingEvent[] = [];
    for (let i = 0; i < 6; i++) {
      for (const user of ['u1', 'u2', 'u3', 'u4', 'u5', 'u6']) {
        const e = walletFunded(user, 100 + i);
        batch.push(log.next(`wallet-${user}`, e.type, e.data));
      }
    }
    await bus.publisher().publish(batch);
    const group = groupId('resume');
    const topic = bus.topicFor('wallet');

    const first: DeliveredEvent[] = [];
    const slow = bus.consumer({
      groupId: group,
      categories: ['wallet'],
      handle: async (d) => {
        first.push(d);
        await new Promise((resolve) => setTimeout(resolve, 20));
      },
    });
    await slow.start();
    await waitFor(
      'some events handled',
      () => first.length >= 10,
      15_000,
      () => first.length,
    );
    await slow.stop();
    expect(first.length).toBeLessThan(batch.length);

    const lastHandled = new Map<number, bigint>();
    for (const d of first) lastHandled.set(d.partition, BigInt(d.offset));
    const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    for (const { partition, offset } of committed!.partitions) {
      const last = lastHandled.get(partition);
      expect([partition, offset]).toEqual([partition, last === undefined ? '-1' : String(last + 1n)]);
    }

    const second: DeliveredEvent[] = [];
    const next = bus.consumer({ groupId: group, categories: ['wallet'], handle: async (d) => void second.push(d) });
    await next.start();
    try {
      await waitFor(
        'the rest',
        () => first.length + second.length >= batch.length,
        15_000,
        () => second.length,
      );
    } finally {
      await next.stop();
    }
    // Nothing handled twice, nothing skipped, and each partition picks up at its committed offset.
    expect([...first, ...second].map((d) => d.event.id).sort()).toEqual(batch.map((o) => o.event.id).sort());
    for (const [partition, last] of lastHandled) {
      const resumed = second.filter((d) => d.partition === partition);
      if (resumed.length > 0) expect(resumed[0]!.offset).toBe(String(last + 1n));
    }
  });

  it('spaces its commits by commitIntervalMs, and commits what waits once the interval has passed', async () => {
    const prefix = isolation('spaced').topicPrefix;
    prefixes.push(prefix);
    const bus = new KafkaEventBus({ brokers, clientId: 'int-spaced', topicPrefix: prefix, partitions: 1, commitIntervalMs: 5_000 });
    buses.push(bus);
    const group = groupId('spaced');
    const log = eventLog();
    const publisher = bus.publisher();
    const seen: DeliveredEvent[] = [];
    const consumer = bus.consumer({ groupId: group, categories: ['wallet'], handle: async (d) => void seen.push(d) });
    const lagReaches = (lag: number) => groupLagReaches(bus, group, lag, 15_000);
    const send = async (amount: number): Promise<void> => {
      const e = walletFunded('u1', amount);
      await publisher.publish([log.next('wallet-u1', e.type, e.data)]);
    };
    await send(100);
    await consumer.start();
    try {
      await waitFor(
        'the first event',
        () => seen.length === 1,
        15_000,
        () => seen.length,
      );
      // The first batch commits at once: nothing was committed before.
      await lagReaches(0);
      await send(200);
      await waitFor(
        'the second event',
        () => seen.length === 2,
        15_000,
        () => seen.length,
      );
      // Handled, but within 5 s of the last commit: it waits.
      expect(await bus.lag(group, ['wallet'])).toBe(1);
      // No further batch comes; the waiting offset is committed once the interval has passed.
      await lagReaches(0);
    } finally {
      await consumer.stop();
    }
  });

  it("never moves a partition's committed offset back after a rebalance gave it to another member", async () => {
    const prefix = isolation('rebalance').topicPrefix;
    prefixes.push(prefix);
    // A spaces its commits by 15 s; B commits after every batch.
    const busA = new KafkaEventBus({ brokers, clientId: 'int-rebalance-a', topicPrefix: prefix, partitions: 2, commitIntervalMs: 15_000 });
    const busB = new KafkaEventBus({ brokers, clientId: 'int-rebalance-b', topicPrefix: prefix, partitions: 2, commitIntervalMs: 0 });
    buses.push(busA, busB);
    const group = groupId('rebalance');
    const log = eventLog();
    const users = ['u1', 'u2', 'u3', 'u4', 'u5', 'u6'];
    const round = async (amount: number): Promise<void> => {
      await busA.publisher().publish(
        users.map((user) => {
          const e = walletFunded(user, amount);
          return log.next(`wallet-${user}`, e.type, e.data);
        }),
      );
    };
    const lagReaches = (lag: number) => groupLagReaches(busA, group, lag, 20_000);
    const seenA: DeliveredEvent[] = [];
    const seenB: DeliveredEvent[] = [];
    const a = busA.consumer({ groupId: group, categories: ['wallet'], handle: async (d) => void seenA.push(d) });
    const b = busB.consumer({ groupId: group, categories: ['wallet'], handle: async (d) => void seenB.push(d) });
    await round(100);
    await a.start();
    try {
      await waitFor(
        'the first round',
        () => seenA.length === 6,
        15_000,
        () => seenA.length,
      );
      await lagReaches(0); // A's first commit is at once
      const firstCommit = Date.now();
      await round(200);
      await waitFor(
        'the second round',
        () => seenA.length === 12,
        15_000,
        () => seenA.length,
      );
      // Both partitions' second round waits in A. B joins: the group rebalances and B gets one
      // partition, from its last commit (so B handles that partition's second round again).
      await b.start();
      await waitFor(
        'B handling its partition',
        () => seenB.length > 0,
        20_000,
        () => seenB.length,
      );
      await round(300);
      await waitFor(
        'the third round',
        () => seenA.length + seenB.length >= 24,
        15_000,
        () => [seenA.length, seenB.length],
      );
      // Past A's interval its timer commits what waits. The partition it lost must keep B's offset.
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, firstCommit + 16_000 - Date.now())));
      await lagReaches(0);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  }, 90_000);

  it('delivers a message whose handler threw again after a backoff, and skips nothing', async () => {
    const bus = newBus('retry');
    const log = eventLog();
    const batch: OutgoingEvent[] = [];
    const users = ['u1', 'u2', 'u3', 'u4', 'u5', 'u6'];
    for (let i = 0; i < 4; i++) {
      for (const user of users) {
        const e = walletFunded(user, 100 + i);
        batch.push(log.next(`wallet-${user}`, e.type, e.data));
      }
    }
    await bus.publisher().publish(batch);
    const failing = batch.find((o) => o.event.streamId === 'wallet-u1' && o.event.revision === 1)!.event;

    const handled: DeliveredEvent[] = [];
    const errors: Array<{ raw: RawDelivery; attempt: number; at: number }> = [];
    let failuresLeft = 3;
    const consumer = bus.consumer({
      groupId: groupId('retry'),
      categories: ['wallet'],
      retryBackoff: { initialMs: 200, maxMs: 400 },
      onError: (_error, raw, attempt) => errors.push({ raw, attempt, at: Date.now() }),
      handle: async (d) => {
        if (d.event.id === failing.id && failuresLeft > 0) {
          failuresLeft--;
          throw new Error('read model store unavailable');
        }
        handled.push(d);
      },
    });
    await consumer.start();
    try {
      await waitFor(
        'every event handled',
        () => handled.length === batch.length,
        20_000,
        () => handled.length,
      );
    } finally {
      await consumer.stop();
    }

    expect(errors.map((e) => [e.attempt, e.raw.offset, e.raw.headers.ce_id])).toEqual([1, 2, 3].map((attempt) => [attempt, errors[0]!.raw.offset, failing.id]));
    // Backoff 200 ms, then 400 ms (the cap); a little slack for timer granularity.
    expect(errors[1]!.at - errors[0]!.at).toBeGreaterThanOrEqual(190);
    expect(errors[2]!.at - errors[1]!.at).toBeGreaterThanOrEqual(390);
    // Each stream handled once per event, in revision order.
    for (const user of users) {
      expect(handled.filter((d) => d.event.streamId === `wallet-${user}`).map((d) => d.event.revision)).toEqual([0, 1, 2, 3]);
    }
  });

  it('blocks only the partition of a failing message: the others go on meanwhile', async () => {
    const bus = newBus('blocked');
    const log = eventLog();
    const publisher = bus.publisher();
    const users = ['u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'u7', 'u8'];
    const fund = (user: string, amount: number): OutgoingEvent => {
      const e = walletFunded(user, amount);
      return log.next(`wallet-${user}`, e.type, e.data);
    };
    await publisher.publish(users.map((user) => fund(user, 100)));
    const blocking = fund('u1', 200);
    await publisher.publish([blocking]);

    const handled: DeliveredEvent[] = [];
    let failures = 0;
    let storeIsDown = true;
    const consumer = bus.consumer({
      groupId: groupId('blocked'),
      categories: ['wallet'],
      retryBackoff: { initialMs: 100, maxMs: 100 },
      onError: () => void failures++,
      handle: async (d) => {
        if (d.event.id === blocking.event.id && storeIsDown) throw new Error('read model store unavailable');
        handled.push(d);
      },
    });
    await consumer.start();
    try {
      await waitFor(
        'the first events and a failure',
        () => handled.length === users.length && failures > 0,
        15_000,
        () => handled.length,
      );
      const partitionOf = new Map(handled.map((d) => [d.event.streamId, d.partition]));
      const blockedPartition = partitionOf.get('wallet-u1')!;
      const elsewhere = users.filter((user) => partitionOf.get(`wallet-${user}`) !== blockedPartition);
      expect(elsewhere.length).toBeGreaterThan(0); // fixed stream ids: murmur2 spreads them over 3 partitions

      // Published while the partition is blocked: handled without waiting for it.
      const later = elsewhere.map((user) => fund(user, 300));
      await publisher.publish(later);
      await waitFor('the events on other partitions', () => later.every((o) => handled.some((d) => d.event.id === o.event.id)), 15_000);
      expect(handled.some((d) => d.event.id === blocking.event.id)).toBe(false);

      storeIsDown = false;
      await waitFor('the blocked event', () => handled.some((d) => d.event.id === blocking.event.id), 15_000);
    } finally {
      await consumer.stop();
    }
    expect(handled.filter((d) => d.event.streamId === 'wallet-u1').map((d) => d.event.revision)).toEqual([0, 1]);
    expect(new Set(handled.map((d) => d.event.id)).size).toBe(handled.length);
  });

  it('hands a message that is not a Zan CloudEvent to onUndecodable, commits it and goes on', async () => {
    const bus = newBus('undecodable');
    await bus.ensureTopics(['wallet']);
    const topic = bus.topicFor('wallet');
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({
      topic,
      messages: [
        { key: 'wallet-u1', value: 'this is not json', headers: { ce_specversion: '1.0' } },
        { key: 'wallet-u1', value: null },
      ],
    });
    await producer.disconnect();
    const log = eventLog();
    const e = walletFunded('u1');
    const valid = log.next('wallet-u1', e.type, e.data);
    await bus.publisher().publish([valid]); // same key, same partition: after the bad ones

    const undecodable: Array<{ raw: RawDelivery; error: unknown }> = [];
    const handled: DeliveredEvent[] = [];
    const group = groupId('undecodable');
    const consumer = bus.consumer({
      groupId: group,
      categories: ['wallet'],
      handle: async (d) => void handled.push(d),
      onUndecodable: async (raw, error) => void undecodable.push({ raw, error }),
    });
    await consumer.start();
    try {
      await waitFor(
        'the valid event',
        () => handled.length === 1,
        15_000,
        () => undecodable.length,
      );
    } finally {
      await consumer.stop();
    }

    expect(undecodable.map(({ raw }) => [raw.offset, raw.key, raw.value])).toEqual([
      ['0', 'wallet-u1', 'this is not json'],
      ['1', 'wallet-u1', null],
    ]);
    expect(undecodable.every(({ error }) => error instanceof UndecodableMessageError)).toBe(true);
    expect(handled[0]!.event).toEqual(valid.event);
    expect(handled[0]!.offset).toBe('2');
    const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    expect(committed!.partitions.find((p) => p.partition === handled[0]!.partition)?.offset).toBe('3');
  });

  it('hands runs of decodable messages to handleBatch, ends a run at an undecodable one, and redelivers a failed run whole', async () => {
    const bus = newBus('batches');
    const log = eventLog();
    const fund = (amount: number): OutgoingEvent => {
      const e = walletFunded('u1', amount);
      return log.next('wallet-u1', e.type, e.data); // one stream: one partition, in order
    };
    const publisher = bus.publisher();
    const before = Array.from({ length: 30 }, (_, i) => fund(100 + i));
    await publisher.publish(before);
    const topic = bus.topicFor('wallet');
    // Written as is, beside the events: what a dead-letter topic receives.
    await publisher.publishRecords([{ topic, key: 'wallet-u1', headers: { note: 'not an event' }, value: 'garbage' }]);
    const after = Array.from({ length: 5 }, (_, i) => fund(200 + i));
    await publisher.publish(after);

    const runs: string[][] = [];
    const undecodable: RawDelivery[] = [];
    let failOnce = true;
    const consumer = bus.consumer({
      groupId: groupId('batches'),
      categories: ['wallet'],
      maxBatchSize: 8,
      retryBackoff: { initialMs: 50, maxMs: 50 },
      onError: () => undefined,
      handle: async () => {
        throw new Error('handleBatch is given: handle is not called');
      },
      handleBatch: async (deliveries) => {
        if (failOnce && deliveries.some((d) => d.offset === '10')) {
          failOnce = false;
          throw new Error('store unavailable');
        }
        runs.push(deliveries.map((d) => d.offset));
      },
      onUndecodable: async (raw) => void undecodable.push(raw),
    });
    await consumer.start();
    try {
      await waitFor(
        'every event',
        () => runs.flat().length >= 35,
        15_000,
        () => runs,
      );
    } finally {
      await consumer.stop();
    }
    expect(runs.flat()).toEqual([...Array(30).keys(), ...[31, 32, 33, 34, 35]].map(String));
    expect(Math.max(...runs.map((r) => r.length))).toBeLessThanOrEqual(8);
    expect(runs.some((r) => r.length > 1)).toBe(true);
    expect(runs.every((r) => !(r.includes('29') && r.includes('31')))).toBe(true); // the garbage ends a run
    expect(undecodable.map((raw) => [raw.offset, raw.value, raw.headers.note])).toEqual([['30', 'garbage', 'not an event']]);
  });

  it('gives each delivery the message as it came off the wire', async () => {
    const bus = newBus('raw');
    const log = eventLog();
    const e = walletFunded('u1');
    const sent = log.next('wallet-u1', e.type, e.data);
    await bus.publisher().publish([sent]);
    let delivered: DeliveredEvent | undefined;
    const consumer = bus.consumer({ groupId: groupId('raw'), categories: ['wallet'], handle: async (d) => void (delivered = d) });
    await consumer.start();
    try {
      await waitFor('the event', () => delivered !== undefined, 15_000);
    } finally {
      await consumer.stop();
    }
    expect(delivered!.raw).toMatchObject({ topic: bus.topicFor('wallet'), offset: '0', key: 'wallet-u1', value: JSON.stringify(sent.event.data) });
    expect(delivered!.raw.headers).toMatchObject({ ce_id: sent.event.id, zan_position: String(sent.event.position) });
  });

  it('stops a consumer with no messages promptly', async () => {
    const bus = newBus('idle');
    const consumer: EventConsumer = bus.consumer({ groupId: groupId('idle'), categories: ['red-packet'], handle: async () => undefined });
    await consumer.start();
    const started = Date.now();
    await consumer.stop();
    expect(Date.now() - started).toBeLessThan(3000);
  });
});
