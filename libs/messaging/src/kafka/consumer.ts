import type { Consumer, EachBatchPayload, IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import { decodeDelivery, deliver, FailedDeliveries } from '../delivery';
import type { ConsumerOptions, DeliveredEvent, EventConsumer, RawDelivery } from '../event-bus.port';
import type { KafkaTopics } from './topics';

/** The consumer settings of the bus (see KafkaEventBusConfig). */
export interface KafkaConsumerSettings {
  partitionsConsumedConcurrently?: number;
  maxWaitTimeMs?: number;
  sessionTimeoutMs?: number;
  /** Shortest time between two offset commits of this consumer (default 200 ms; 0 commits after every batch). */
  commitIntervalMs?: number;
}

const DEFAULT_COMMIT_INTERVAL_MS = 200;
/** The pause before starting a consumer again that kafkajs gave up, per attempt in a row, and its longest. */
const RESTART_STEP_MS = 500;
const RESTART_MAX_MS = 5_000;

interface HandledOffset {
  topic: string;
  partition: number;
  /** The next offset to read: the last handled one + 1. */
  offset: string;
}

/**
 * A consumer group member: handles each partition in order and commits only what it handled.
 *
 * Commits are spaced by `commitIntervalMs`: each one is a write to `__consumer_offsets` on the broker,
 * and committing after every partition's batch cost the broker more CPU than the events themselves
 * (about 1.4 ms of broker CPU per tip, bench/README.md). Handled offsets wait at most that long: a
 * batch that ends after the interval commits every partition's waiting offset, and a timer commits
 * what the last batches left. Stopping, or a batch that fails or is cut short, commits at once. A
 * crash can therefore redeliver up to an interval's messages, which at-least-once delivery allows:
 * every consumer of the bus drops repeats (by stream revision, event id or `ce_sequence`).
 */
export class KafkaEventConsumer implements EventConsumer {
  private consumer?: Consumer;
  private readonly failures: FailedDeliveries;
  private readonly resumeTimers = new Set<NodeJS.Timeout>();
  /** Handled offsets not committed yet, by `topic/partition`. */
  private readonly uncommitted = new Map<string, HandledOffset>();
  private lastCommitAt = 0;
  private commitTimer?: NodeJS.Timeout;
  private timedCommit?: Promise<void>;
  /** A start again after kafkajs gave the consumer up (see restartAfterCrash), while it waits. */
  private restartTimer?: NodeJS.Timeout;
  private restartsInARow = 0;
  /** Counts stop() calls: a start again that failed after one does not try again. */
  private life = 0;

  constructor(
    private readonly kafka: Kafka,
    private readonly topics: KafkaTopics,
    private readonly settings: KafkaConsumerSettings,
    private readonly options: ConsumerOptions,
    /** Keeps the bus's list of running consumers, which close() stops. */
    private readonly track: (running: boolean) => unknown,
  ) {
    this.failures = new FailedDeliveries(options);
  }

  async start(): Promise<void> {
    if (this.consumer) throw new Error(`consumer ${this.options.groupId} is already started`);
    const { sessionTimeoutMs } = this.settings;
    const consumer = this.kafka.consumer({
      groupId: this.options.groupId,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: this.settings.maxWaitTimeMs ?? 500,
      ...(sessionTimeoutMs === undefined ? {} : { sessionTimeout: sessionTimeoutMs, heartbeatInterval: Math.max(100, Math.floor(sessionTimeoutMs / 3)) }),
    });
    this.consumer = consumer;
    this.uncommitted.clear();
    this.lastCommitAt = 0;
    // A rebalance may move a partition whose handled offset still waits to another member, which
    // then handles and commits it further: committing ours later would move its offset back. Such
    // offsets are dropped instead (the new owner may deliver those messages again; handlers drop repeats).
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      this.restartsInARow = 0;
      for (const [key, { topic, partition }] of this.uncommitted) {
        if (!payload.memberAssignment[topic]?.includes(partition)) this.uncommitted.delete(key);
      }
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (!payload.restart) this.restartAfterCrash(consumer, payload.error);
    });
    this.track(true);
    try {
      const topics = this.options.categories.map((c) => this.topics.nameOf(c));
      await this.topics.ensure(topics);
      await consumer.connect();
      await consumer.subscribe({ topics, fromBeginning: this.options.fromBeginning ?? true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: this.settings.partitionsConsumedConcurrently ?? 1,
        eachBatch: (payload) => this.handleBatch(payload),
      });
    } catch (error) {
      this.consumer = undefined;
      this.track(false);
      await consumer.disconnect().catch(() => undefined);
      throw error;
    }
  }

  async stop(): Promise<void> {
    this.life += 1;
    if (this.restartTimer) {
      // Given up by kafkajs and waiting to start again: nothing runs, nothing is left to commit.
      clearTimeout(this.restartTimer);
      this.restartTimer = undefined;
      this.track(false);
    }
    const consumer = this.consumer;
    if (!consumer) return;
    this.consumer = undefined;
    for (const timer of this.resumeTimers) clearTimeout(timer);
    this.resumeTimers.clear();
    // What the last batches handled is committed while the consumer still runs; kafkajs then lets
    // the batch in hand finish (handleBatch stops after the current message and commits at once),
    // then leaves the group.
    clearTimeout(this.commitTimer);
    this.commitTimer = undefined;
    await this.timedCommit;
    await this.commitWaiting(consumer);
    await consumer.disconnect();
    this.track(false);
  }

  /**
   * One partition's messages, in order. Each handled message is resolved; the last handled offset is
   * committed when the batch ends, fails or is interrupted by stop(): never an unhandled one.
   */
  private async handleBatch(payload: EachBatchPayload): Promise<void> {
    // kafkajs passes these as closures over the batch (its own examples destructure them); its types declare them as methods.
    // eslint-disable-next-line @typescript-eslint/unbound-method
    const { batch, resolveOffset, heartbeat, isRunning, isStale, pause, commitOffsetsIfNecessary } = payload;
    const { topic, partition } = batch;
    const category = this.topics.categoryOf(topic);
    let lastHandled: string | undefined;
    let cutShort = true;
    const handleBatch = this.options.handleBatch;
    try {
      for (let i = 0; i < batch.messages.length;) {
        if (!isRunning() || isStale()) break;
        const run = handleBatch ? this.decodableRun(topic, partition, category, batch.messages, i) : [];
        if (run.length > 0) {
          try {
            await handleBatch!(run);
          } catch (error) {
            this.retryLater(run[0]!.raw, error, pause);
            break;
          }
          this.failures.succeeded(run[0]!.raw);
          lastHandled = run[run.length - 1]!.offset;
          resolveOffset(lastHandled);
          i += run.length;
          await heartbeat();
          continue;
        }
        const message = batch.messages[i]!;
        const raw = toRawDelivery(topic, partition, message);
        try {
          await deliver(this.options, raw, category);
        } catch (error) {
          this.retryLater(raw, error, pause);
          break;
        }
        this.failures.succeeded(raw);
        resolveOffset(message.offset);
        lastHandled = message.offset;
        i++;
        await heartbeat();
      }
      cutShort = !isRunning() || isStale();
    } finally {
      // stop() has begun (it clears this.consumer first): commit now, while still a group member.
      if (!this.consumer) cutShort = true;
      if (lastHandled !== undefined) this.uncommitted.set(`${topic}/${partition}`, { topic, partition, offset: (BigInt(lastHandled) + 1n).toString() });
      const interval = this.settings.commitIntervalMs ?? DEFAULT_COMMIT_INTERVAL_MS;
      if (cutShort || Date.now() - this.lastCommitAt >= interval) {
        const topics = this.takeUncommitted();
        if (topics.length > 0) await commitOffsetsIfNecessary({ topics });
      } else {
        this.commitLater(interval);
      }
    }
  }

  /** Every waiting offset, grouped by topic as kafkajs commits them; they stop waiting. */
  private takeUncommitted(): Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }> {
    const byTopic = new Map<string, Array<{ partition: number; offset: string }>>();
    for (const { topic, partition, offset } of this.uncommitted.values()) {
      const partitions = byTopic.get(topic) ?? [];
      partitions.push({ partition, offset });
      byTopic.set(topic, partitions);
    }
    this.uncommitted.clear();
    this.lastCommitAt = Date.now();
    return [...byTopic].map(([topic, partitions]) => ({ topic, partitions }));
  }

  /** Commits what waits once the interval since the last commit has passed, unless a batch does it first. */
  private commitLater(interval: number): void {
    if (this.commitTimer) return;
    this.commitTimer = setTimeout(
      () => {
        this.commitTimer = undefined;
        const consumer = this.consumer;
        if (!consumer || this.uncommitted.size === 0) return;
        this.timedCommit = this.commitWaiting(consumer).finally(() => (this.timedCommit = undefined));
      },
      Math.max(0, this.lastCommitAt + interval - Date.now()),
    );
  }

  /**
   * Commits the waiting offsets through kafkajs's own commit (retried; skipped once the consumer no
   * longer runs). A commit that fails (the partition went to another member meanwhile) is dropped:
   * its messages may be delivered again, and the next batch's commit carries newer offsets.
   */
  private async commitWaiting(consumer: Consumer): Promise<void> {
    const offsets = this.takeUncommitted().flatMap(({ topic, partitions }) => partitions.map((p) => ({ topic, ...p })));
    if (offsets.length === 0) return;
    await consumer.commitOffsets(offsets).catch(() => undefined);
  }

  /** The messages from `start` on that decode, up to maxBatchSize: an undecodable one ends the run. */
  private decodableRun(topic: string, partition: number, category: string, messages: KafkaMessage[], start: number): DeliveredEvent[] {
    const run: DeliveredEvent[] = [];
    const max = this.options.maxBatchSize ?? 500;
    for (let i = start; i < messages.length && run.length < max; i++) {
      try {
        run.push(decodeDelivery(toRawDelivery(topic, partition, messages[i]!), category));
      } catch {
        break;
      }
    }
    return run;
  }

  /**
   * kafkajs restarts a crashed consumer only for an error it counts as retriable; any other (in an
   * outage, "Broker not connected" from a broker it has not reconnected yet) leaves the consumer
   * stopped for good, out of its group, while the process looks alive. It is started again here, a
   * new member, after a pause that grows with each attempt in a row, until it joins or stop() is
   * called. What it handled and had not committed is read again (handlers drop repeats).
   */
  private restartAfterCrash(crashed: Consumer, error: Error): void {
    if (this.consumer !== crashed) return; // stopped meanwhile, or already replaced
    this.consumer = undefined;
    clearTimeout(this.commitTimer);
    this.commitTimer = undefined;
    for (const timer of this.resumeTimers) clearTimeout(timer);
    this.resumeTimers.clear();
    this.startAgainLater(error);
  }

  private startAgainLater(error: unknown): void {
    this.restartsInARow += 1;
    const pauseMs = Math.min(RESTART_MAX_MS, RESTART_STEP_MS * this.restartsInARow);
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    console.error(
      JSON.stringify({
        level: 'ERROR',
        logger: 'zan',
        namespace: 'Consumer',
        groupId: this.options.groupId,
        message: `the consumer stopped (${reason}): starting it again in ${pauseMs} ms`,
      }),
    );
    const life = this.life;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      this.start().catch((failed: unknown) => {
        if (life !== this.life) return; // stop() was called meanwhile
        this.track(true); // start() let go of it: still the bus's to stop while it waits
        this.startAgainLater(failed);
      });
    }, pauseMs);
  }

  /**
   * The failed message is read again from its own offset after a backoff. Only its partition is
   * paused meanwhile: the consumer's other partitions go on.
   */
  private retryLater(raw: RawDelivery, error: unknown, pause: () => () => void): void {
    const delay = this.failures.failed(raw, error);
    this.consumer?.seek({ topic: raw.topic, partition: raw.partition, offset: raw.offset });
    const resume = pause();
    const timer = setTimeout(() => {
      this.resumeTimers.delete(timer);
      resume();
    }, delay);
    this.resumeTimers.add(timer);
  }
}

const toRawDelivery = (topic: string, partition: number, message: KafkaMessage): RawDelivery => ({
  topic,
  partition,
  offset: message.offset,
  key: message.key ? message.key.toString('utf8') : null,
  headers: headersToStrings(message.headers),
  value: message.value ? message.value.toString('utf8') : null,
});

/** A header sent more than once keeps its last value, as Java's Headers.lastHeader reads it. */
const headersToStrings = (headers: IHeaders | undefined): Record<string, string> => {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    if (last !== undefined) result[name] = last.toString();
  }
  return result;
};
