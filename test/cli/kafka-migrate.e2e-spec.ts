import type { INestApplication } from '@nestjs/common';
import { STREAM_CATEGORIES } from '@zan/contracts';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import { Client as PgClient } from 'pg';
import { streamCategory, type StoredEvent } from '@zan/contracts';
import { encodeEvent, relayCheckpointName } from '@zan/messaging';
import { loadConfig } from '@zan/platform';
import { HistoryBuilder } from '../../apps/cli/src/testing/history';
import { createZanApp } from '../../apps/zan/src/zan.app';
import { eventually } from '../support/eventually';
import { testServers } from '../support/isolation';
import { expectEveryStreamWholeAndInOrder, readAsSubscriber, storedStreams } from '../support/subscriber';
import { STACK_LINE, cliStack, type CliStack } from './cli-harness';

jest.setTimeout(120_000);

/** Where v1 published an event: the category of its type, so a wallet's history spread over three topics. */
const v1Category = (event: StoredEvent): string =>
  ['TipPraised', 'TipReceived'].includes(event.type)
    ? 'tip'
    : ['RedPacketSent', 'RedPacketShareReceived', 'RedPacketRefunded'].includes(event.type)
      ? 'red-packet'
      : streamCategory(event.streamId);

/** `zan kafka migrate-topics` on a deployment whose topics v1 wrote, then the v1.1 relay. */
describe('zan kafka migrate-topics (PostgreSQL, Kafka)', () => {
  let stack: CliStack;
  let env: Record<string, string>;
  let prefix: string;
  let relay: INestApplication | undefined;
  let head: bigint;
  const kafka = new Kafka({ clientId: 'cli-kafka-spec', brokers: testServers().kafkaBrokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();

  const checkpoint = async (): Promise<string | undefined> => {
    const pg = new PgClient({ connectionString: env.ZAN_EVENT_STORE });
    await pg.connect();
    try {
      const { rows } = await pg.query(`SELECT position::text FROM "${env.ZAN_PG_SCHEMA}".checkpoints WHERE name = $1`, [relayCheckpointName(prefix)]);
      return rows[0]?.position;
    } finally {
      await pg.end();
    }
  };
  const eventTopics = async () => (await admin.listTopics()).filter((t) => t.startsWith(`${prefix}.`)).sort();

  beforeAll(async () => {
    stack = cliStack('cli-kafka');
    prefix = stack.iso.topicPrefix;
    env = { ...stack.env, KAFKA_BROKERS: testServers().kafkaBrokers.join(','), ZAN_TOPIC_PREFIX: prefix };
    await admin.connect();
    const h = new HistoryBuilder(new Date('2026-01-01T10:00:00Z'), 60_000);
    h.open('alice').open('bob').open('carol');
    h.fund('alice', 100_000).fund('bob', 50_000);
    h.tip('alice', 'bob', 'why-zan', 888).transfer('bob', 'carol', 300, { credit: true });
    h.redPacket(
      'alice',
      1_000,
      3,
      [
        ['bob', 412],
        ['carol', 300],
      ],
      { expire: true },
    );
    h.tip('carol', 'alice', 'poems', 600).fund('alice', 1);
    head = await stack.append(h);
    const events = await (await stack.eventStore()).readAll();

    // What a v1 relay left: every event published, by the category of its type, and its checkpoint.
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await admin.createTopics({ topics: ['wallet', 'tip', 'red-packet'].map((c) => ({ topic: `${prefix}.${c}`, numPartitions: 3 })) });
    let prev = 0n;
    for (const event of events) {
      const record = encodeEvent(event, prev, prefix);
      prev = event.position;
      await producer.send({ topic: `${prefix}.${v1Category(event)}`, messages: [{ key: record.key, headers: record.headers, value: record.value }] });
    }
    await producer.disconnect();
    const pg = new PgClient({ connectionString: env.ZAN_EVENT_STORE });
    await pg.connect();
    await pg.query(`INSERT INTO "${env.ZAN_PG_SCHEMA}".checkpoints (name, position) VALUES ($1, $2)`, [relayCheckpointName(prefix), head.toString()]);
    await pg.end();
  });

  afterAll(async () => {
    await relay?.close();
    const topics = await eventTopics().catch(() => []);
    if (topics.length > 0) await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect();
    await stack?.dispose();
  });

  it('says what it would do and changes nothing without --yes (exit 2)', async () => {
    const before = await checkpoint();
    const run = await stack.zan(['kafka', 'migrate-topics'], { env });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      new RegExp(
        `would delete .*${prefix.replace(/\./g, '\\.')}\\.tip.* and set the checkpoint relay:kafka:${prefix.replace(/\./g, '\\.')} \\(now ${before}\\) to 0`,
      ),
    );
    expect(run.stderr).toMatch(/--yes/);
    expect(run.stderr).not.toMatch(STACK_LINE);
    expect(await eventTopics()).toEqual([`${prefix}.red-packet`, `${prefix}.tip`, `${prefix}.wallet`]);
    expect(await checkpoint()).toBe(before);
  });

  it('refuses to run without Kafka settings', async () => {
    const run = await stack.zan(['kafka', 'migrate-topics', '--yes'], { env: { ...env, KAFKA_BROKERS: undefined } });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/KAFKA_BROKERS is not set/);
  });

  it('with --yes deletes the v1 topics and resets the relay, which then publishes every stream whole and in order', async () => {
    const run = await stack.zan(['kafka', 'migrate-topics', '--yes'], { env });
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: expect.stringMatching(/next: start the relay/) });
    expect(await eventTopics()).toEqual([]);
    expect(await checkpoint()).toBe('0');

    relay = await createZanApp({ config: loadConfig(env), roles: ['relay'], logger: ['error', 'fatal'] });
    await relay.init();
    const messages = await readAsSubscriber(env);
    expectEveryStreamWholeAndInOrder(messages, await storedStreams(env), prefix);
    expect(await eventTopics()).toEqual(STREAM_CATEGORIES.map((category) => `${prefix}.${category}`).sort());
    await eventually('the relay checkpoint at the head', async () => (await checkpoint()) === head.toString());
  });
});
