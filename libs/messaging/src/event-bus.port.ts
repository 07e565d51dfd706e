import type { StoredEvent } from '@zan/contracts';

/**
 * The event bus port: the relay publishes stored events, the projector and process managers consume
 * them. Adapters: Kafka (kafka/) and in-process (in-process/, the embedded mode). Both carry the same
 * CloudEvents encoding (cloud-events.ts), so the embedded mode exercises the real mapping.
 */

/** An event the relay publishes. */
export interface OutgoingEvent {
  event: StoredEvent;
  /**
   * Position of the event the relay published just before this one (0n for the first ever). Events
   * of different categories land on different topics and partitions; with this link a consumer can
   * tell when it has seen every event up to a position (a global watermark).
   */
  prevPosition: bigint;
}

/** A decoded event as a consumer receives it, with where it was read from. */
export interface DeliveredEvent {
  event: StoredEvent;
  prevPosition: bigint;
  category: string;
  topic: string;
  partition: number;
  /** Kafka offset, a decimal string (offsets are 64-bit). */
  offset: string;
  /** The message as it came off the bus (what a dead-letter topic keeps). */
  raw: RawDelivery;
}

/** A message as it came off the bus, before decoding; what onUndecodable and onError are given. */
export interface RawDelivery {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  headers: Record<string, string>;
  value: string | null;
}

/** A message written as it is, not an event: what a dead-letter topic receives. */
export interface OutgoingRecord {
  topic: string;
  key: string | null;
  headers: Record<string, string>;
  value: string | null;
}

export interface EventPublisher {
  /**
   * Resolves when every message is acknowledged by all in-sync replicas (acks=all). Events of one
   * stream keep the order they have in the batch. Rejects when any was not written: the caller
   * publishes the batch again (consumers dedupe on ce_id or stream revision).
   */
  publish(batch: OutgoingEvent[]): Promise<void>;
  /** Writes messages as given (topics created when missing), with publish's guarantees. */
  publishRecords(records: OutgoingRecord[]): Promise<void>;
  close(): Promise<void>;
}

/** How a publisher holds the topics it writes to. */
export interface PublisherOptions {
  /**
   * The partitions, by category, that each topic's history was published with. A publish to such a
   * topic that has another number of partitions now fails with PartitionsChanged and writes nothing.
   */
  partitions?: ReadonlyMap<string, number>;
}

/**
 * A topic has other partitions than its history was published with (an operator added some). Events
 * are keyed by stream id, so a stream's next events would land on another partition than its earlier
 * ones, and a consumer that reads the new partition first (a projector behind on the old one) would
 * apply a later revision first and then drop the earlier ones as already applied: money gone from a
 * read model, and from every subscriber that dedupes on (subject, sequence).
 */
export class PartitionsChanged extends Error {
  override readonly name = 'PartitionsChanged';
  constructor(
    readonly topic: string,
    readonly published: number,
    readonly now: number,
  ) {
    super(
      `${topic} was published with ${published} partition(s) and now has ${now}: a stream's next events would go to another partition than ` +
        `its earlier ones, and consumers could apply them out of order and drop the earlier ones as duplicates. Not publishing. Stop the ` +
        `relay, let every consumer group catch up (lag 0), then run \`zan kafka accept-partitions --yes\` and start the relay ` +
        `(docs/operations.md, "Adding partitions to a topic")`,
    );
  }
}

/** The PartitionsChanged error inside `error` (a Kafka client wraps what a partitioner throws), if any. */
export const partitionsChangedIn = (error: unknown): PartitionsChanged | undefined => {
  for (let e = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) if (e instanceof PartitionsChanged) return e;
  return undefined;
};

export interface RetryBackoff {
  /** Wait before the first redelivery; doubled on each further failure of the same message. */
  initialMs: number;
  maxMs: number;
}

export interface ConsumerOptions {
  groupId: string;
  categories: string[];
  /**
   * Where a group without committed offsets starts. Default true: a topic is the replayable history,
   * so a new projection reads all of it. False: only events published after the group first joins.
   */
  fromBeginning?: boolean;
  /**
   * Called one message at a time per consumer. Resolved: the offset may be committed. Thrown: not
   * committed; the same message is delivered again after a backoff, and its partition waits for it.
   */
  handle(delivery: DeliveredEvent): Promise<void>;
  /**
   * Optional, for consumers that apply many messages at once: the Kafka adapter then hands it runs of
   * consecutive decodable messages of one partition, in order (at most maxBatchSize), instead of
   * calling handle for each. Resolved: every offset of the run may be committed. Thrown: none is; the
   * run is delivered again from its first message after a backoff. The in-process adapter calls handle.
   */
  handleBatch?: (deliveries: DeliveredEvent[]) => Promise<void>;
  /** Longest run handed to handleBatch (default 500). */
  maxBatchSize?: number;
  /**
   * A message that is not a valid Zan CloudEvent. Once this resolves the offset is committed and
   * consumption goes on. Without it, such a message is treated like a handler error (redelivered).
   */
  onUndecodable?(raw: RawDelivery, error: unknown): Promise<void>;
  /** Told of every failed delivery before it is retried (default: console.warn). */
  onError?(error: unknown, raw: RawDelivery, attempt: number): void;
  /** Default { initialMs: 200, maxMs: 5000 }. */
  retryBackoff?: RetryBackoff;
}

export interface EventConsumer {
  /** Resolves once the consumer has joined its group (topics are created when missing). */
  start(): Promise<void>;
  /** Finishes the message in hand, commits what was handled, and leaves the group. */
  stop(): Promise<void>;
}

export interface EventBus {
  publisher(options?: PublisherOptions): EventPublisher;
  consumer(options: ConsumerOptions): EventConsumer;
  /** Creates the categories' topics when missing; safe to call again and from several processes. */
  ensureTopics(categories: string[]): Promise<void>;
  /**
   * Whether the categories' topics have lost everything published to them: not one of them holds a
   * message (each is missing or was never written), as after the brokers came back with their data
   * wiped (a new cluster) or the topics were deleted. Then forgets that they existed, so the next
   * ensureTopics creates them again. Also true when a topic of `published` (categories whose topics
   * held what was published before) no longer exists: deleted by an operator, the others intact.
   * Always false for a bus whose log lives in memory.
   */
  topicsLost(categories: string[], published?: string[]): Promise<boolean>;
  /**
   * The identity of the cluster the bus reaches now, asked of a broker (rejects when none answers):
   * brokers that came back with their data wiped are a new cluster with a new id. A constant for a
   * bus whose log lives in memory.
   */
  clusterId(): Promise<string>;
  /**
   * Where each category's topic ends now: the sum of its partitions' end offsets (high watermarks),
   * by category. It only grows while the topic lives (Zan's topics keep every message); a topic
   * deleted and created again starts over from 0. Rejects when a topic is missing. Empty for a bus
   * whose log lives in memory.
   */
  logEnds(categories: string[]): Promise<Map<string, bigint>>;
  /** The partitions of the categories' topics now, by category; undefined for a bus without partitions (in-process). */
  partitions(categories: string[]): Promise<Map<string, number> | undefined>;
  topicFor(category: string): string;
  /** Resolves when the bus can be reached (a broker answers); rejects otherwise. For health checks. */
  ping(): Promise<void>;
  /** Messages of the categories' topics that `groupId` has not committed yet: a consumer group's lag. */
  lag(groupId: string, categories: string[]): Promise<number>;
  /** Closes every publisher and consumer this bus made. */
  close(): Promise<void>;
}

export const EVENT_BUS = Symbol('EVENT_BUS');

/** The checkpoint (and leader-election) name of the relay that publishes to the topics of a prefix. */
export const relayCheckpointName = (topicPrefix: string): string => `relay:kafka:${topicPrefix}`;

/**
 * Where the relay of `checkpointName` records, in the checkpoint store, how many partitions a
 * category's topic had when it first published to it (the number is stored as the checkpoint's value).
 */
export const relayPartitionsName = (checkpointName: string, category: string): string => `${checkpointName}:partitions:${category}`;

export const DEFAULT_RETRY_BACKOFF: RetryBackoff = { initialMs: 200, maxMs: 5000 };

/** Delay before redelivery attempt `attempt` (1 = the first redelivery). */
export const backoffDelay = (backoff: RetryBackoff, attempt: number): number =>
  Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.min(Math.max(attempt - 1, 0), 30));
