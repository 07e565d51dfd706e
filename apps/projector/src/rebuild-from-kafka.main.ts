import { createAdapters, loadConfig } from '@zan/platform';
import { RedisReadModelStore } from '@zan/read-models';
import { rebuildFromKafka } from './rebuild-from-kafka';

/**
 * `npm run projections:rebuild-from-kafka`: rebuilds the Redis read models from the Kafka topics
 * (a fresh consumer group from the beginning) while the live ones keep serving, then switches.
 * Same settings as the projector (KAFKA_BROKERS, REDIS_URL, ZAN_TOPIC_PREFIX, ZAN_REDIS_PREFIX, ...).
 * From the event store instead: `zan projections rebuild` (rebuildFromEventStore).
 */
async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.kafka || !config.redis) throw new Error('a rebuild from Kafka needs KAFKA_BROKERS and REDIS_URL');
  const adapters = await createAdapters(config, ['projector']);
  const store = adapters.readModels;
  if (!(store instanceof RedisReadModelStore) || !adapters.bus) throw new Error('no Redis read models or Kafka bus configured');
  const started = Date.now();
  try {
    const result = await rebuildFromKafka({
      bus: adapters.bus,
      store,
      groupId: `${config.topicPrefix}.projector`,
      maxAttempts: config.projectorMaxAttempts,
      onProgress: (status) => console.log(`generation ${status.generation}: ${status.applied} events applied, at position ${status.watermark}`),
      onDeadLetter: (raw, error) => console.error(`dead-lettered ${raw.topic}[${raw.partition}]@${raw.offset}: ${String(error)}`),
    });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(
      `generation ${result.generation} is live: ${result.events} events, position ${result.position}, ${result.deadLettered} dead-lettered, ${seconds} s`,
    );
  } finally {
    await adapters.bus.close();
    await store.close();
  }
}

main().catch((error) => {
  console.error(`zan projections rebuild from kafka: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
