import { EVENT_CATEGORIES } from '@zan/contracts';
import type { EventBus, RawDelivery, RetryBackoff } from '@zan/messaging';
import type { ReadModelStatus, RedisReadModelStore } from '@zan/read-models';
import { DEAD_LETTER_CATEGORY, DeadLetters, ProjectionHandler } from './projection-handler';

export interface RebuildFromKafkaOptions {
  bus: EventBus;
  /** The live store: the rebuild fills a new generation beside the one it serves. */
  store: RedisReadModelStore;
  /** The live projector's group; the rebuild reads as `<groupId>.rebuild.<generation>.<time>`, from the beginning. */
  groupId: string;
  /** As the live projector: tries before a message is dead-lettered (default 5). */
  maxAttempts?: number;
  retryBackoff?: RetryBackoff;
  /** Every half second or so, the new generation's status. */
  onProgress?(status: ReadModelStatus): void;
  /** Gives up when the new generation has neither moved nor caught up for this long (default 60 s). */
  stallTimeoutMs?: number;
  /** Wait after the switch before the old generation is deleted (default 5 s; see GenerationBuild.finish). */
  retireAfterMs?: number;
  onDeadLetter?: (raw: RawDelivery, error: unknown) => void;
}

export interface KafkaRebuildResult {
  generation: string;
  /** Events applied to the new generation (duplicates not counted). */
  events: number;
  /** Its watermark when it went live. */
  position: bigint;
  deadLettered: number;
}

export class RebuildStalled extends Error {
  override readonly name = 'RebuildStalled';
}

/**
 * Rebuilds every read model from the Kafka topics, from the beginning, with zero downtime: a fresh
 * consumer group fills a new generation through the same handler as the live projector (dedupe,
 * dead letters and all) while the live generation keeps serving; once the new one has applied
 * everything the live one has, the pointer switches atomically, the rebuild's consumer stops, and the
 * old generation is deleted. On failure the new generation is deleted and the live one stays.
 * The rebuild's group is left behind, empty: Kafka drops its offsets after offsets.retention.minutes.
 */
export const rebuildFromKafka = async (options: RebuildFromKafkaOptions): Promise<KafkaRebuildResult> => {
  const { bus, store } = options;
  await bus.ensureTopics([...EVENT_CATEGORIES, DEAD_LETTER_CATEGORY]);
  const build = await store.beginRebuild();
  const groupId = `${options.groupId}.rebuild.${build.generation}.${Date.now().toString(36)}`;
  const publisher = bus.publisher();
  const handler = new ProjectionHandler({
    target: build,
    deadLetters: new DeadLetters(publisher, bus.topicFor(DEAD_LETTER_CATEGORY), groupId),
    categoryOf: (topic) => EVENT_CATEGORIES.find((c) => bus.topicFor(c) === topic) ?? topic,
    maxAttempts: options.maxAttempts ?? 5,
    onDeadLetter: options.onDeadLetter,
  });
  const consumer = bus.consumer({
    groupId,
    categories: EVENT_CATEGORIES,
    fromBeginning: true,
    retryBackoff: options.retryBackoff,
    handle: handler.handle,
    handleBatch: handler.handleBatch,
    onUndecodable: handler.onUndecodable,
    onError: () => undefined,
  });
  try {
    await consumer.start();
    const stallTimeoutMs = options.stallTimeoutMs ?? 60_000;
    let progress = { watermark: -1n, at: Date.now() };
    let reported = 0;
    while (!(await build.trySwitch())) {
      const status = await build.status();
      const now = Date.now();
      if (status.watermark !== progress.watermark) progress = { watermark: status.watermark, at: now };
      else if (now - progress.at > stallTimeoutMs) {
        throw new RebuildStalled(`generation ${build.generation} has not moved from position ${status.watermark} for ${stallTimeoutMs} ms`);
      }
      if (now - reported >= 500) {
        options.onProgress?.(status);
        reported = now;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await consumer.stop();
    const position = await build.watermark();
    await build.finish({ retireAfterMs: options.retireAfterMs });
    return { generation: build.generation, events: handler.applied, position, deadLettered: handler.deadLettered };
  } catch (error) {
    await consumer.stop().catch(() => undefined);
    await build.abort().catch(() => undefined);
    throw error;
  } finally {
    await publisher.close().catch(() => undefined);
  }
};
