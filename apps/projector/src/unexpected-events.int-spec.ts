import { KafkaEventBus, encodeEvent, type KafkaRecord } from '@zan/messaging';
import { RedisReadModelStore } from '@zan/read-models';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { Workload } from '../../../libs/read-models/src/testing/workload';
import { eventually } from '../../../test/support/eventually';
import { isolation, testServers } from '../../../test/support/isolation';
import { ProjectorService } from './projector.service';

jest.setTimeout(60_000);

const { kafkaBrokers, redisUrl } = testServers();
const kafka = new Kafka({ clientId: 'unexpected-events-int-spec', brokers: kafkaBrokers, logLevel: logLevel.NOTHING });
const cleanups: Array<() => Promise<void>> = [];

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/**
 * A workload's events published as the relay would, after `edit` has had its way with their records
 * (what a Zan of another version, a bug or a third party could put on the topics), and a projector
 * reading them until its watermark is at the workload's last event.
 */
const projected = async (label: string, history: Workload, edit: (records: KafkaRecord[]) => void) => {
  const iso = isolation(label);
  const bus = new KafkaEventBus({ brokers: kafkaBrokers, clientId: label, topicPrefix: iso.topicPrefix, partitions: 3, maxWaitTimeMs: 100 });
  const store = new RedisReadModelStore({ redis: redisUrl, prefix: iso.redisPrefix, generationCacheMs: 50 });
  const projector = new ProjectorService(bus, store, { groupId: `${iso.id}.projector`, maxAttempts: 2, retryBackoff: { initialMs: 20, maxMs: 80 } });
  cleanups.push(async () => {
    await projector.stop();
    await bus.close();
    await store.clear();
    await store.close();
    const admin = kafka.admin();
    await admin.connect();
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(`${iso.topicPrefix}.`));
    if (topics.length > 0) await admin.deleteTopics({ topics });
    await admin.disconnect();
  });
  const records = history.deliveries().map(({ event, prevPosition }) => encodeEvent(event, prevPosition, iso.topicPrefix));
  edit(records);
  await bus.ensureTopics(['wallet', 'red-packet', 'article']);
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  for (const { topic, key, headers, value } of records) await producer.send({ topic, messages: [{ key, headers, value }] });
  await producer.disconnect();
  await projector.start();
  const last = history.events.at(-1)!;
  await eventually('the watermark at the last event', async () => (await store.watermark()) === last.position);
  return { store, projector };
};

const withData = (record: KafkaRecord, edit: (data: Record<string, unknown>) => void): KafkaRecord => {
  const data = JSON.parse(record.value) as Record<string, unknown>;
  edit(data);
  return { ...record, value: JSON.stringify(data) };
};

describe('projector: events it does not expect', () => {
  it('dead-letters a money event whose amount is no whole number of fen, never counts it in a balance', async () => {
    const history = new Workload({ start: 1_000n })
      .open('alice')
      .open('bob')
      .fund('alice', 1_000) // 2: a negative amount
      .fund('bob', 1_000)
      .withdraw('bob', 300) // 4: "300", a string
      .fund('alice', 7);
    const { store, projector } = await projected('badamount', history, (records) => {
      records[2] = withData(records[2]!, (data) => (data.amount = -1_000));
      records[4] = withData(records[4]!, (data) => (data.amount = '300'));
    });
    // Before: alice's balance was -993 (the negative funding applied) and bob's 700 ("300" negated to -300).
    expect(await store.wallet('alice')).toMatchObject({ balance: 7 });
    expect(await store.wallet('bob')).toMatchObject({ balance: 1_000 });
    expect(projector.deadLetters).toBe(2);
    expect(await store.status()).toMatchObject({ skipped: 2 });
  });

  it("dead-letters an event of a type it does not know (a newer Zan's), as one of a version it does not know, never applies it as nothing", async () => {
    const history = new Workload({ start: 1_000n })
      .open('carol')
      .fund('carol', 1_000) // 1: a type this Zan does not know, say a newer Zan's credit
      .fund('carol', 2_000) // 2: WalletFunded v9
      .fund('carol', 5);
    const { store, projector } = await projected('unknowntype', history, (records) => {
      records[1] = { ...records[1]!, headers: { ...records[1]!.headers, ce_type: 'zan.GiftReceived.v1' } };
      records[2] = { ...records[2]!, headers: { ...records[2]!.headers, ce_type: 'zan.WalletFunded.v9' } };
    });
    expect(await store.wallet('carol')).toMatchObject({ balance: 5 });
    // Before: the newer version was dead-lettered, the unknown type applied as nothing, counted as applied.
    expect({ deadLetters: projector.deadLetters, applied: projector.applied }).toEqual({ deadLetters: 2, applied: 2 });
    expect(await store.status()).toMatchObject({ skipped: 2 });
  });
});
