import { Logger } from '@nestjs/common';
import { HEADER, KafkaEventBus, encodeEvent, type KafkaRecord } from '@zan/messaging';
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

/** A copy of a stream's message that names another revision (ce_sequence and v1's zan_revision), as a forger would write it. */
const atRevision = (record: KafkaRecord, revision: number, value = record.value): KafkaRecord => ({
  ...record,
  headers: { ...record.headers, [HEADER.id]: `forged-${revision}`, [HEADER.sequence]: String(revision), [HEADER.revision]: String(revision) },
  value,
});

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

  describe("a message whose ce_sequence jumps past its stream's next revision", () => {
    const errors = jest.spyOn(Logger.prototype, 'error');
    afterAll(() => errors.mockRestore());
    const gapLines = (streamId: string) => errors.mock.calls.map(([line]) => String(line)).filter((line) => line.includes(`revision gap on ${streamId}`));

    it('applies it (the read models trust the topics), and counts and logs the gap naming the stream and both revisions', async () => {
      const history = new Workload({ start: 1_000n })
        .open('dave')
        .fund('dave', 1_000) // 1: a copy of it forged at revision 50 follows it
        .fund('dave', 2_000)
        .fund('dave', 5);
      const { store, projector } = await projected('forgedjump', history, (records) => {
        records.splice(2, 0, atRevision(records[1]!, 50));
      });
      // Before: nothing counted or logged, while dave's later events (revisions 2 and 3) were dropped as duplicates.
      expect(projector.revisionGaps).toBe(1);
      expect(await store.status()).toMatchObject({ revisionGaps: 1 });
      expect(gapLines('wallet-dave')).toEqual([expect.stringMatching(/revision 50 came, the last applied was 1\b/)]);
    });

    it('dead-letters one that cannot be applied without recording it: the real events after it are applied', async () => {
      const history = new Workload({ start: 1_000n })
        .open('erin')
        .fund('erin', 1_000) // 1: a garbled copy of it forged at revision 50 follows it
        .fund('erin', 2_000)
        .fund('erin', 5);
      const { store, projector } = await projected('forgeddead', history, (records) => {
        records.splice(2, 0, atRevision(records[1]!, 50, 'not json'));
      });
      // Before: the dead letter was recorded as revision 50 applied, and erin's balance stayed at 1000.
      expect(await store.wallet('erin')).toMatchObject({ balance: 3_005 });
      expect({ deadLetters: projector.deadLetters, revisionGaps: projector.revisionGaps }).toEqual({ deadLetters: 1, revisionGaps: 1 });
      expect(await store.status()).toMatchObject({ skipped: 1, revisionGaps: 1 });
      expect(gapLines('wallet-erin')).toEqual([expect.stringContaining('dead-lettered and not recorded')]);
    });

    it('tells no gap on redeliveries and re-sends of a stream in order', async () => {
      const history = new Workload({ start: 1_000n }).open('fay').fund('fay', 1_000).fund('fay', 2_000);
      const { store, projector } = await projected('nojump', history, (records) => {
        records.push(...records.map((record) => ({ ...record })));
      });
      expect(await store.wallet('fay')).toMatchObject({ balance: 3_000 });
      expect({ revisionGaps: projector.revisionGaps, status: (await store.status()).revisionGaps }).toEqual({ revisionGaps: 0, status: 0 });
      expect(gapLines('wallet-fay')).toEqual([]);
    });
  });
});
