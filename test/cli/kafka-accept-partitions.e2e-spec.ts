import type { INestApplication } from '@nestjs/common';
import { Kafka, logLevel } from 'kafkajs';
import { Client as PgClient } from 'pg';
import { relayCheckpointName } from '@zan/messaging';
import { loadConfig } from '@zan/platform';
import { RelayService } from '../../apps/relay/src/relay.service';
import { HistoryBuilder } from '../../apps/cli/src/testing/history';
import { createZanApp } from '../../apps/zan/src/zan.app';
import { eventually } from '../support/eventually';
import { testServers } from '../support/isolation';
import { STACK_LINE, cliStack, type CliStack } from './cli-harness';

jest.setTimeout(120_000);

/**
 * An operator adds partitions to `zan.wallet` while the relay runs. Once the relay's producer learns
 * of them (its metadata is refreshed every 5 minutes, and at once when it first writes to another
 * topic, as here), it must not put a wallet's next events on another partition than its earlier
 * ones: it refuses, says why, shows it on /metrics and /health/ready, and publishes again only after
 * `zan kafka accept-partitions --yes` (run once every consumer has caught up) and a restart.
 */
describe('zan kafka accept-partitions (partitions added under a running relay)', () => {
  let stack: CliStack;
  let env: Record<string, string>;
  let prefix: string;
  let relay: INestApplication | undefined;
  const admin = new Kafka({ clientId: 'cli-partitions-spec', brokers: testServers().kafkaBrokers, logLevel: logLevel.NOTHING }).admin();

  const checkpoint = async (): Promise<bigint | undefined> => {
    const pg = new PgClient({ connectionString: env.ZAN_EVENT_STORE });
    await pg.connect();
    try {
      const { rows } = await pg.query(`SELECT position::text FROM "${env.ZAN_PG_SCHEMA}".checkpoints WHERE name = $1`, [relayCheckpointName(prefix)]);
      return rows[0] ? BigInt(rows[0].position as string) : undefined;
    } finally {
      await pg.end();
    }
  };
  const startRelay = async () => {
    relay = await createZanApp({ config: loadConfig(env), roles: ['relay'], logger: ['fatal'] });
    await relay.init();
    return relay.get(RelayService);
  };

  beforeAll(async () => {
    stack = cliStack('cli-parts');
    prefix = stack.iso.topicPrefix;
    env = { ...stack.env, KAFKA_BROKERS: testServers().kafkaBrokers.join(','), ZAN_TOPIC_PREFIX: prefix, KAFKA_PARTITIONS: '1' };
    await admin.connect();
  });

  afterAll(async () => {
    await relay?.close();
    const topics = (await admin.listTopics().catch(() => [])).filter((t) => t.startsWith(`${prefix}.`));
    if (topics.length > 0) await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect();
    await stack?.dispose();
  });

  it('refuses to publish on the new count while running, and publishes again once the operator accepts it', async () => {
    // Wallets only: the relay's producer writes to the wallet topic alone.
    const first = new HistoryBuilder(new Date('2026-01-01T10:00:00Z'), 60_000);
    for (const user of ['ann', 'ben', 'cat', 'dan']) first.open(user).fund(user, 1_000);
    const head = await stack.append(first);
    const running = await startRelay();
    await eventually('the wallets to be published', async () => (await checkpoint()) === head);

    await admin.createPartitions({ topicPartitions: [{ topic: `${prefix}.wallet`, count: 4 }] });
    // A red packet: its topic is new to the producer, which then refreshes its metadata of every topic.
    const second = new HistoryBuilder(new Date('2026-01-01T11:00:00Z'), 60_000);
    second.open('eve').open('fay').fund('eve', 5_000);
    second.redPacket('eve', 1_000, 2, [['fay', 400]]);
    for (const user of ['ann', 'ben', 'cat', 'dan']) second.open(`${user}2`).fund(`${user}2`, 1);
    const last = await stack.append(second);

    await eventually('the relay to refuse', async () => running.refusal !== undefined, 30_000);
    expect(running.refusal!.message).toMatch(/\.wallet was published with 1 partition\(s\) and now has 4.*zan kafka accept-partitions --yes/s);
    // Nothing reached the new partitions, and the checkpoint did not pass what was refused.
    const offsets = await admin.fetchTopicOffsets(`${prefix}.wallet`);
    expect(offsets.filter((p) => p.partition !== 0).map((p) => p.high)).toEqual(['0', '0', '0']);
    await relay!.close();
    relay = undefined;
    const refusedAt = (await checkpoint())!;
    expect(refusedAt < last).toBe(true);

    // Restarted without the operator's consent: still refused, at start (the relay steps down as leader).
    const restarted = await startRelay();
    await eventually('the restarted relay to refuse', async () => restarted.refusal !== undefined, 30_000);
    expect(restarted.refusal!.message).toMatch(/published with 1 partition\(s\) and now has 4/);
    expect(restarted.leading).toBe(false);
    expect(await checkpoint()).toBe(refusedAt);
    expect((await admin.fetchTopicOffsets(`${prefix}.wallet`)).filter((p) => p.partition !== 0).map((p) => p.high)).toEqual(['0', '0', '0']);
    await relay!.close();
    relay = undefined;

    const dry = await stack.zan(['kafka', 'accept-partitions'], { env });
    expect(dry.code).toBe(2);
    expect(dry.stderr).toMatch(new RegExp(`${prefix.replace(/\./g, '\\.')}\\.wallet: 1 -> 4 partitions.*--yes`));
    expect(dry.stderr).not.toMatch(STACK_LINE);
    const accepted = await stack.zan(['kafka', 'accept-partitions', '--yes'], { env });
    expect({ code: accepted.code, stdout: accepted.stdout }).toEqual({ code: 0, stdout: expect.stringMatching(/recorded .*\.wallet: 1 -> 4 partitions/) });

    const resumed = await startRelay();
    await eventually('the relay to publish the rest', async () => (await checkpoint()) === last, 30_000);
    expect(resumed.refusal).toBeUndefined();
  });
});
