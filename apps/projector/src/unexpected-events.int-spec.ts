import { KafkaEventBus, encodeEvent, type KafkaRecord } from '@zan/messaging';
import { RedisReadModelStore } from '@zan/read-models';
import { Kafka, logLevel, Partitioners, type Admin } from 'kafkajs';
import { Workload } from '../../../libs/read-models/src/testing/workload';
import { eventually } from '../../../test/support/eventually';
import { isolation, testServers } from '../../../test/support/isolation';
import { ProjectorService } from './projector.service';

jest.setTimeout(60_000);

const { kafkaBrokers, redisUrl } = testServers();
const kafka = new Kafka({ clientId: 'unexpected-events-int-spec', brokers: kafkaBrokers, logLevel: logLevel.NOTHING });

/** Events a Zan of another version, or a bug, could put on the topics: what the projector does with each. */
describe('projector: events it does not expect', () => {
  const iso = isolation('unexpected');
  let admin: Admin;
  let bus: KafkaEventBus;
  let store: RedisReadModelStore;
  let projector: ProjectorService | undefined;

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
    bus = new KafkaEventBus({ brokers: kafkaBrokers, clientId: 'unexpected', topicPrefix: iso.topicPrefix, partitions: 3, maxWaitTimeMs: 100 });
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

  /** Publishes a workload's events as the relay would, after `edit` has had its way with their records. */
  const produce = async (history: Workload, edit: (records: KafkaRecord[]) => void): Promise<void> => {
    const records = history.deliveries().map(({ event, prevPosition }) => encodeEvent(event, prevPosition, iso.topicPrefix));
    edit(records);
    await bus.ensureTopics(['wallet', 'red-packet', 'article']);
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    for (const { topic, key, headers, value } of records) await producer.send({ topic, messages: [{ key, headers, value }] });
    await producer.disconnect();
  };
  const withData = (record: KafkaRecord, edit: (data: Record<string, unknown>) => void): KafkaRecord => {
    const data = JSON.parse(record.value) as Record<string, unknown>;
    edit(data);
    return { ...record, value: JSON.stringify(data) };
  };

  it('dead-letters a money event whose amount is no whole number of fen, never counts it in a balance', async () => {
    const history = new Workload({ start: 1_000n })
      .open('alice')
      .open('bob')
      .fund('alice', 1_000) // 2: a negative amount
      .fund('bob', 1_000)
      .withdraw('bob', 300) // 4: "300", a string
      .fund('alice', 7);
    await produce(history, (records) => {
      records[2] = withData(records[2]!, (data) => (data.amount = -1_000));
      records[4] = withData(records[4]!, (data) => (data.amount = '300'));
    });
    projector = new ProjectorService(bus, store, { groupId: `${iso.id}.projector`, maxAttempts: 2, retryBackoff: { initialMs: 20, maxMs: 80 } });
    await projector.start();
    const last = history.events.at(-1)!;
    await eventually('the watermark at the last event', async () => (await store.watermark()) === last.position);

    // Before: alice's balance was -993 (the negative funding applied) and bob's 700 ("300" negated to -300).
    expect(await store.wallet('alice')).toMatchObject({ balance: 7 });
    expect(await store.wallet('bob')).toMatchObject({ balance: 1_000 });
    expect(projector.deadLetters).toBe(2);
    expect(await store.status()).toMatchObject({ skipped: 2 });
  });
});
