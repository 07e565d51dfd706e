import type { StoredEvent } from '@zan/contracts';
import { KafkaEventBus, encodeEvent, type KafkaRecord } from '@zan/messaging';
import { MemoryReadModelStore, RedisReadModelStore, type ReadModelStore } from '@zan/read-models';
import { Kafka, logLevel, Partitioners, type Admin, type KafkaMessage } from 'kafkajs';
import { Workload } from '../../../libs/read-models/src/testing/workload';
import { isolation, testServers } from '../../../test/support/isolation';
import { captureReadModels } from '../../../test/support/read-model-snapshot';
import { DEAD_LETTER_CATEGORY, DEAD_LETTER_HEADER } from './projection-handler';
import { ProjectorService } from './projector.service';
import { rebuildFromKafka } from './rebuild-from-kafka';

jest.setTimeout(60_000);

const { kafkaBrokers, redisUrl } = testServers();
const kafka = new Kafka({ clientId: 'projector-int-spec', brokers: kafkaBrokers, logLevel: logLevel.NOTHING });
const fastRetry = { initialMs: 20, maxMs: 80 };

/** Polls until `check` holds, or fails naming what it waited for. */
const waitUntil = async (what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

/** Every message of a topic, read from the beginning by a plain client. */
const readTopic = async (topic: string, count: number): Promise<KafkaMessage[]> => {
  const messages: KafkaMessage[] = [];
  const consumer = kafka.consumer({ groupId: `${topic}.reader.${Date.now()}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void messages.push(message) });
  try {
    await waitUntil(`${count} messages on ${topic}`, async () => messages.length >= count);
  } finally {
    await consumer.disconnect();
  }
  return messages;
};

const header = (message: KafkaMessage, name: string) => message.headers?.[name]?.toString();

describe('projector: poison messages', () => {
  const iso = isolation('poison');
  let admin: Admin;
  let bus: KafkaEventBus;
  let store: RedisReadModelStore;
  let projector: ProjectorService;

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
    bus = new KafkaEventBus({ brokers: kafkaBrokers, clientId: 'poison', topicPrefix: iso.topicPrefix, partitions: 3, maxWaitTimeMs: 100 });
    store = new RedisReadModelStore({ redis: redisUrl, prefix: iso.redisPrefix, generationCacheMs: 50 });
  });

  afterAll(async () => {
    await projector?.stop();
    await bus.close();
    await store.clear();
    await store.close();
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(`${iso.topicPrefix}.`));
    if (topics.length > 0) await admin.deleteTopics({ topics });
    await admin.disconnect();
  });

  it('dead-letters what cannot be decoded or applied, counts it, and goes on: the partition and the watermark move past it', async () => {
    const history = new Workload({ start: 1_000n })
      .open('alice')
      .open('bob')
      .open('carol')
      .fund('alice', 1_000) // 3: undecodable (its value is not JSON) but its headers are intact
      .fund('alice', 2_000)
      .tip('alice', 'bob', 'a-1', 500)
      .fund('alice', 3_000) // 7: decodes, but no projection can apply half a fen
      .fund('alice', 4_000)
      .transfer('alice', 'carol', 100)
      .fund('bob', 50);
    const undecodable = history.events[3]!;
    const unappliable = history.events[7]!;
    (unappliable.data as { amount: number }).amount = 2.5;

    const records: KafkaRecord[] = history.deliveries().map(({ event, prevPosition }) => encodeEvent(event, prevPosition, iso.topicPrefix));
    records[3] = { ...records[3]!, value: 'this is not json' };
    // And a message that is nothing at all, in the middle of alice's partition: no place in the chain.
    records.splice(6, 0, { topic: bus.topicFor('wallet'), key: 'wallet-alice', headers: {}, value: 'noise' });
    await bus.ensureTopics(['wallet', 'red-packet']);
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    for (const { topic, key, headers, value } of records) await producer.send({ topic, messages: [{ key, headers, value }] });
    await producer.disconnect();

    projector = new ProjectorService(bus, store, { groupId: `${iso.id}.projector`, maxAttempts: 3, retryBackoff: fastRetry });
    const started = Date.now();
    await projector.start();
    const last = history.events[history.events.length - 1]!;
    await waitUntil('the watermark at the last event', async () => (await store.watermark()) === last.position);
    expect(Date.now() - started).toBeLessThan(15_000);

    // Counted, and recorded in the store as applied with no changes.
    expect({ deadLetters: projector.deadLetters, undecodable: projector.undecodable }).toEqual({ deadLetters: 3, undecodable: 2 });
    expect(await store.status()).toMatchObject({ watermark: last.position, pending: 0, applied: history.events.length - 2, skipped: 2 });
    // What came after them on alice's partition was applied: the balance is every event's but theirs.
    expect(await store.wallet('alice')).toMatchObject({ balance: 2_000 - 500 + 4_000 - 100 });
    expect(await store.wallet('carol')).toMatchObject({ balance: 100 });
    expect((await store.feed('alice', { limit: 10 })).items.map((i) => [i.type, i.amount])).toEqual([
      ['transfer-sent', 100],
      ['funding', 4_000],
      ['tip-sent', 500],
      ['funding', 2_000],
    ]);

    // On the dead-letter topic: the original key, headers and value, plus why and where from.
    const dead = await readTopic(bus.topicFor(DEAD_LETTER_CATEGORY), 3);
    expect(dead).toHaveLength(3);
    const byId = (event: StoredEvent) => dead.find((m) => header(m, 'ce_id') === event.id)!;
    const first = byId(undecodable);
    expect(first.value?.toString()).toBe('this is not json');
    expect(first.key?.toString()).toBe('wallet-alice');
    expect(header(first, 'zan_position')).toBe(String(undecodable.position));
    expect(header(first, DEAD_LETTER_HEADER.topic)).toBe(bus.topicFor('wallet'));
    expect(header(first, DEAD_LETTER_HEADER.offset)).toMatch(/^\d+$/);
    expect(header(first, DEAD_LETTER_HEADER.group)).toBe(`${iso.id}.projector`);
    expect(header(first, DEAD_LETTER_HEADER.attempts)).toBe('3');
    expect(header(first, DEAD_LETTER_HEADER.error)).toMatch(/not JSON/);
    const second = byId(unappliable);
    expect(JSON.parse(second.value!.toString())).toMatchObject({ amount: 2.5 });
    expect(header(second, DEAD_LETTER_HEADER.error)).toMatch(/moves 2.5, not a whole number of fen/);
    expect(header(second, DEAD_LETTER_HEADER.errorName)).toBe('CorruptEvent');
    expect(dead.some((m) => m.value?.toString() === 'noise' && header(m, DEAD_LETTER_HEADER.partition) !== undefined)).toBe(true);
  });

  it('rebuilds from the topics into a new generation equal to the live one, setting the same poison aside', async () => {
    const ids = { users: ['alice', 'bob', 'carol'], authors: ['bob'], packets: [] };
    const live = await captureReadModels(store, ids);
    const deadLettered: string[] = [];
    const result = await rebuildFromKafka({
      bus,
      store,
      groupId: `${iso.id}.projector`,
      maxAttempts: 2,
      retryBackoff: fastRetry,
      retireAfterMs: 100,
      onDeadLetter: (raw) => deadLettered.push(raw.offset),
    });
    expect({ ...result, position: String(result.position) }).toMatchObject({ generation: 'g1', deadLettered: 3, position: live.watermark });
    expect(deadLettered).toHaveLength(3);
    expect(await captureReadModels(store, ids)).toEqual(live);
    expect(await store.status()).toMatchObject({ generation: 'g1', skipped: 2 });
  });

  it('does not dead-letter what fails because the store is unreachable: it waits, then applies', async () => {
    const memory = new MemoryReadModelStore();
    let outage = 8;
    const applyMany = async (deliveries: Parameters<MemoryReadModelStore['applyMany']>[0]) => {
      if (outage-- > 0) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' });
      return memory.applyMany(deliveries);
    };
    const flaky = new Proxy(memory, {
      get: (target, name) => (name === 'applyMany' ? applyMany : Reflect.get(target, name)),
    }) as ReadModelStore;
    const other = new ProjectorService(bus, flaky, { groupId: `${iso.id}.flaky`, maxAttempts: 2, retryBackoff: fastRetry });
    await other.start();
    try {
      await waitUntil('every event', async () => (await memory.watermark()) === (await store.watermark()));
    } finally {
      await other.stop();
    }
    expect(outage).toBeLessThan(0);
    expect(other.deadLetters).toBe(3); // the three poison messages only
    expect((await memory.status()).skipped).toBe(2);
  });
});
