import type { Consumer, EachBatchPayload, IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import { decodeDelivery, deliver, FailedDeliveries } from '../delivery';
import type { ConsumerOptions, DeliveredEvent, EventConsumer, RawDelivery } from '../event-bus.port';
import type { KafkaTopics } from './topics';

/** The consumer settings of the bus (see KafkaEventBusConfig). */
export interface KafkaConsumerSettings {
  partitionsConsumedConcurrently?: number;
  maxWaitTimeMs?: number;
  sessionTimeoutMs?: number;
}

/** A consumer group member: handles each partition in order and commits only what it handled. */
export class KafkaEventConsumer implements EventConsumer {
  private consumer?: Consumer;
  private readonly failures: FailedDeliveries;
  private readonly resumeTimers = new Set<NodeJS.Timeout>();

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
    const consumer = this.consumer;
    if (!consumer) return;
    this.consumer = undefined;
    for (const timer of this.resumeTimers) clearTimeout(timer);
    this.resumeTimers.clear();
    // kafkajs lets the batch in hand finish (handleBatch stops after the current message and
    // commits), then leaves the group.
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
    } finally {
      if (lastHandled !== undefined) {
        const offset = (BigInt(lastHandled) + 1n).toString();
        await commitOffsetsIfNecessary({ topics: [{ topic, partitions: [{ partition, offset }] }] });
      }
    }
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
