import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { Kafka, logLevel } from 'kafkajs';
import { walletStream } from '@zan/contracts';
import { createPostgresEventStore, type PostgresEventStore } from '@zan/event-store';
import { KafkaEventBus, relayCheckpointName } from '@zan/messaging';
import { ReadinessChecks, ZanMetrics } from '@zan/platform';
import { RedisReadModelStore } from '@zan/read-models';
import { ProjectorObservability } from '../../apps/projector/src/projector.observability';
import { ProjectorService, type ProjectorOptions } from '../../apps/projector/src/projector.service';
import { RelayService } from '../../apps/relay/src/relay.service';
import { eventually } from '../support/eventually';
import { isolation, testServers } from '../support/isolation';
import { newEvent, walletFunded } from '../support/stored-events';
import { dropIsolation } from '../support/stacks';

/**
 * An operator resets the projector group's offsets to the latest (kafka-consumer-groups.sh
 * --reset-offsets --to-latest, "it was stuck"), or lowers a topic's retention so that messages are
 * deleted before the projector read them. The projector then never sees those events: a balance is
 * short for good. The read models cannot be mended from Kafka; the projector must say so (an error
 * naming `zan projections rebuild`, /health/ready down) instead of serving short balances as healthy.
 */
describe('projector offsets moved past unread messages', () => {
  const { pgSchema, redisPrefix, topicPrefix } = isolation('offsetreset');
  const { databaseUrl, redisUrl, kafkaBrokers } = testServers();
  const groupId = `${topicPrefix}.projector`;
  const options: ProjectorOptions & { holeAfterMs: number } = { groupId, holeAfterMs: 2_000 };
  let store: PostgresEventStore;
  let readModels: RedisReadModelStore;
  const closers: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    Logger.overrideLogger(['error']);
    store = await createPostgresEventStore({ connectionString: databaseUrl, schema: pgSchema, poolSize: 4 });
    readModels = new RedisReadModelStore({ redis: redisUrl, prefix: redisPrefix });
  });

  afterAll(async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await readModels?.close();
    await store?.eventStore.close();
    await dropIsolation({ pgSchema, redisPrefix, topicPrefix });
  });

  it('says the read models miss events and names the rebuild, instead of serving short balances as ready', async () => {
    const bus = new KafkaEventBus({ brokers: kafkaBrokers, clientId: 'offsets-spec', topicPrefix, partitions: 1 });
    closers.push(() => bus.close());
    const relay = new RelayService(store.eventStore, store.checkpoints, bus, { checkpointName: relayCheckpointName(topicPrefix), durableCheckpoint: true });
    await relay.start();
    closers.push(() => relay.stop());
    const userId = `u-${randomUUID().slice(0, 8)}`;
    const fund = async (amount: number, expected: number | 'no_stream', first = false) => {
      const events = first ? [newEvent('WalletOpened', { userId, kind: 'individual' }), walletFunded(userId, amount)] : [walletFunded(userId, amount)];
      const { position } = await store.eventStore.append(walletStream(userId), events, expected);
      await eventually('the relay to publish it', async () => relay.publishedThrough >= position);
      return position;
    };

    const first = new ProjectorService(bus, readModels, options);
    await first.start();
    const projected = await fund(100, 'no_stream', true);
    await eventually('the first funding to be projected', async () => (await readModels.watermark()) >= projected);
    await first.stop();

    // While the projector is away: a funding, then the operator moves the group to the latest offsets.
    await fund(200, 1);
    const admin = new Kafka({ clientId: 'offsets-operator', brokers: kafkaBrokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    closers.push(() => admin.disconnect());
    // --to-latest as the tool does it: the end offsets now, written as the group's.
    const topic = `${topicPrefix}.wallet`;
    const ends = await admin.fetchTopicOffsets(topic);
    await admin.setOffsets({ groupId, topic, partitions: ends.map(({ partition, high }) => ({ partition, offset: high })) });

    const projector = new ProjectorService(bus, readModels, options);
    const checks = new ReadinessChecks();
    const observability = new ProjectorObservability(projector, new ZanMetrics(), checks, bus, readModels, options);
    observability.onModuleInit();
    closers.push(async () => observability.onModuleDestroy());
    await projector.start();
    closers.push(() => projector.stop());
    await fund(400, 2);
    await eventually('the last funding to be applied', async () => projector.applied === 1);
    expect((await readModels.wallet(userId))?.balance).toBe(500); // 200 never seen

    const probe = checks.probes.get('projector')!;
    await eventually(
      'the projector to report the hole',
      () =>
        probe().then(
          () => false,
          () => true,
        ),
      30_000,
    );
    await expect(probe()).rejects.toThrow(new RegExp(`watermark stays at ${projected}.*zan projections rebuild`, 's'));
  }, 90_000);
});
