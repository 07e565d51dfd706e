import {
  Kafka,
  logLevel,
  Partitioners,
  type Admin,
  type Consumer,
  type EachBatchPayload,
  type IHeaders,
  type KafkaMessage,
  type logCreator,
  type Message,
  type Producer,
} from 'kafkajs';
import { encodeEvent, topicName } from '../cloud-events';
import { decodeDelivery, deliver, FailedDeliveries } from '../delivery';
import type {
  ConsumerOptions,
  DeliveredEvent,
  EventBus,
  EventConsumer,
  EventPublisher,
  OutgoingEvent,
  OutgoingRecord,
  RawDelivery,
} from '../event-bus.port';

export interface KafkaEventBusConfig {
  brokers: string[];
  clientId: string;
  /** Topics are `<topicPrefix>.<category>`; `zan` in production. */
  topicPrefix: string;
  /** Partitions of the topics ensureTopics creates (default 3). Existing topics are left alone. */
  partitions?: number;
  /** Partitions one consumer handles at the same time (default 1: handle() never runs concurrently). */
  partitionsConsumedConcurrently?: number;
  /** Longest a fetch waits for new messages; it also bounds how long stop() waits (default 500 ms). */
  maxWaitTimeMs?: number;
  /**
   * How long the group waits for a consumer that stopped answering before its partitions go to the
   * others (default 30 s, kafkajs's; the broker allows 6 s and up). A consumer that crashed holds its
   * partitions that long.
   */
  sessionTimeoutMs?: number;
  logLevel?: logLevel;
}

/** Topics are the replayable history of the system: never deleted by age or size. */
const TOPIC_CONFIG = [{ name: 'retention.ms', value: '-1' }];
/** A KRaft broker may not know a topic for a moment after the controller created it. */
const NOT_READY_YET = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE', 'NOT_LEADER_FOR_PARTITION']);
const TOPIC_READY_TIMEOUT_MS = 15_000;
/** kafkajs's messages for those errors, as its connection logs them. */
const TRANSIENT_RESPONSE_ERRORS = new Set([
  'This server does not host this topic-partition',
  'There is no leader for this topic-partition as we are in the middle of a leadership election',
  'This server is not the leader for that topic-partition',
]);

export class KafkaEventBus implements EventBus {
  private readonly kafka: Kafka;
  private admin?: Promise<Admin>;
  private readonly knownTopics = new Set<string>();
  /** ensureTopics calls run one after another, so one process never races itself to create a topic. */
  private ensuring: Promise<unknown> = Promise.resolve();
  private readonly publishers = new Set<KafkaEventPublisher>();
  private readonly consumers = new Set<KafkaEventConsumer>();

  constructor(readonly config: KafkaEventBusConfig) {
    this.kafka = new Kafka({
      clientId: config.clientId,
      brokers: config.brokers,
      logLevel: config.logLevel ?? logLevel.WARN,
      logCreator: kafkajsLogs,
      retry: { initialRetryTime: 100, retries: 8 },
    });
  }

  topicFor(category: string): string {
    return topicName(this.config.topicPrefix, category);
  }

  ensureTopics(categories: string[]): Promise<void> {
    return this.ensureTopicNames(categories.map((c) => this.topicFor(c)));
  }

  publisher(): EventPublisher {
    const publisher = new KafkaEventPublisher(this, this.kafka, () => this.publishers.delete(publisher));
    this.publishers.add(publisher);
    return publisher;
  }

  consumer(options: ConsumerOptions): EventConsumer {
    const consumer: KafkaEventConsumer = new KafkaEventConsumer(this, this.kafka, options, (running) =>
      running ? this.consumers.add(consumer) : this.consumers.delete(consumer),
    );
    return consumer;
  }

  async ping(): Promise<void> {
    await (await this.adminClient()).describeCluster();
  }

  /** Sum over the partitions of (end offset - committed offset); a group with no commit starts at the low offset. */
  async lag(groupId: string, categories: string[]): Promise<number> {
    const admin = await this.adminClient();
    const topics = categories.map((c) => this.topicFor(c));
    const committed = await admin.fetchOffsets({ groupId, topics });
    let lag = 0n;
    for (const topic of topics) {
      const partitions = committed.find((t) => t.topic === topic)?.partitions ?? [];
      for (const end of await admin.fetchTopicOffsets(topic)) {
        const commit = partitions.find((p) => p.partition === end.partition)?.offset;
        const from = commit !== undefined && commit !== '-1' ? BigInt(commit) : BigInt(end.low);
        if (BigInt(end.high) > from) lag += BigInt(end.high) - from;
      }
    }
    return Number(lag);
  }

  async close(): Promise<void> {
    await Promise.all([...this.consumers].map((c) => c.stop()));
    await Promise.all([...this.publishers].map((p) => p.close()));
    const admin = this.admin;
    this.admin = undefined;
    if (admin) await (await admin.catch(() => undefined))?.disconnect();
  }

  /** @internal */
  ensureTopicNames(topics: string[]): Promise<void> {
    const wanted = [...new Set(topics)].filter((t) => !this.knownTopics.has(t));
    if (wanted.length === 0) return Promise.resolve();
    const run = this.ensuring.catch(() => undefined).then(() => this.createMissing(wanted));
    this.ensuring = run;
    return run;
  }

  private async createMissing(topics: string[]): Promise<void> {
    const wanted = topics.filter((t) => !this.knownTopics.has(t));
    if (wanted.length === 0) return;
    const admin = await this.adminClient();
    const existing = new Set(await admin.listTopics());
    const missing = wanted.filter((t) => !existing.has(t));
    if (missing.length > 0) {
      // Resolves false when another process created them first: that is fine too.
      await admin.createTopics({
        waitForLeaders: false,
        topics: missing.map((topic) => ({
          topic,
          numPartitions: this.config.partitions ?? 3,
          configEntries: TOPIC_CONFIG,
        })),
      });
      await this.waitForLeaders(admin, missing);
    }
    for (const topic of wanted) this.knownTopics.add(topic);
  }

  /**
   * Until the new topics can be written to. kafkajs's own wait gives up on UNKNOWN_TOPIC_OR_PARTITION,
   * which a KRaft broker answers for a moment after its controller created the topic.
   */
  private async waitForLeaders(admin: Admin, topics: string[]): Promise<void> {
    const deadline = Date.now() + TOPIC_READY_TIMEOUT_MS;
    for (;;) {
      try {
        const { topics: found } = await admin.fetchTopicMetadata({ topics });
        const ready = (name: string): boolean => {
          const partitions = found.find((t) => t.name === name)?.partitions ?? [];
          return partitions.length > 0 && partitions.every((p) => p.leader >= 0);
        };
        if (topics.every(ready)) {
          // The leaders answer ListOffsets only once they really lead: then a first produce succeeds.
          await Promise.all(topics.map((topic) => admin.fetchTopicOffsets(topic)));
          return;
        }
      } catch (error) {
        if (!NOT_READY_YET.has((error as { type?: string }).type ?? '')) throw error;
      }
      if (Date.now() > deadline) throw new Error(`topics without a leader after ${TOPIC_READY_TIMEOUT_MS} ms: ${topics.join(', ')}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  private adminClient(): Promise<Admin> {
    if (!this.admin) {
      const admin = this.kafka.admin();
      this.admin = admin.connect().then(() => admin);
      this.admin.catch(() => (this.admin = undefined));
    }
    return this.admin;
  }
}

class KafkaEventPublisher implements EventPublisher {
  private producer: Producer;
  private connected?: Promise<void>;
  private closed = false;

  constructor(
    private readonly bus: KafkaEventBus,
    private readonly kafka: Kafka,
    private readonly onClose: () => void,
  ) {
    this.producer = this.newProducer();
  }

  async publish(batch: OutgoingEvent[]): Promise<void> {
    if (this.closed) throw new Error('publisher is closed');
    await this.send(batch.map(({ event, prevPosition }) => encodeEvent(event, prevPosition, this.bus.config.topicPrefix)));
  }

  async publishRecords(records: OutgoingRecord[]): Promise<void> {
    if (this.closed) throw new Error('publisher is closed');
    await this.send(records);
  }

  private async send(records: OutgoingRecord[]): Promise<void> {
    if (records.length === 0) return;
    const byTopic = new Map<string, Message[]>();
    for (const { topic, key, headers, value } of records) {
      let messages = byTopic.get(topic);
      if (!messages) byTopic.set(topic, (messages = []));
      messages.push({ key, headers, value });
    }
    await this.bus.ensureTopicNames([...byTopic.keys()]);
    await this.connect();
    try {
      // kafkajs has no linger: the batch the relay hands over is the batch sent, one request per broker.
      await this.producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
    } catch (error) {
      await this.replaceProducer();
      throw error;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.onClose();
    await this.producer.disconnect();
  }

  private newProducer(): Producer {
    return this.kafka.producer({
      // Retries can neither duplicate nor reorder a stream's events: idempotent, one request in flight.
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // murmur2 on the key, as the Java client does, so every client agrees on a stream's partition.
      createPartitioner: Partitioners.DefaultPartitioner,
    });
  }

  /**
   * After a failed send, part of the batch may be written and the producer's sequence numbers are no
   * longer trusted: a new producer (a new producer id) sends the retry. Consumers dedupe what repeats.
   */
  private async replaceProducer(): Promise<void> {
    const old = this.producer;
    this.producer = this.newProducer();
    this.connected = undefined;
    await old.disconnect().catch(() => undefined);
  }

  private connect(): Promise<void> {
    if (!this.connected) {
      this.connected = this.producer.connect();
      this.connected.catch(() => (this.connected = undefined));
    }
    return this.connected;
  }
}

class KafkaEventConsumer implements EventConsumer {
  private consumer?: Consumer;
  private readonly failures: FailedDeliveries;
  private readonly resumeTimers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly bus: KafkaEventBus,
    private readonly kafka: Kafka,
    private readonly options: ConsumerOptions,
    /** Keeps the bus's list of running consumers, which close() stops. */
    private readonly track: (running: boolean) => unknown,
  ) {
    this.failures = new FailedDeliveries(options);
  }

  async start(): Promise<void> {
    if (this.consumer) throw new Error(`consumer ${this.options.groupId} is already started`);
    const consumer = this.kafka.consumer({
      groupId: this.options.groupId,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: this.bus.config.maxWaitTimeMs ?? 500,
      ...(this.bus.config.sessionTimeoutMs === undefined
        ? {}
        : { sessionTimeout: this.bus.config.sessionTimeoutMs, heartbeatInterval: Math.max(100, Math.floor(this.bus.config.sessionTimeoutMs / 3)) }),
    });
    this.consumer = consumer;
    this.track(true);
    try {
      await this.bus.ensureTopics(this.options.categories);
      await consumer.connect();
      await consumer.subscribe({
        topics: this.options.categories.map((c) => this.bus.topicFor(c)),
        fromBeginning: this.options.fromBeginning ?? true,
      });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: this.bus.config.partitionsConsumedConcurrently ?? 1,
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
    const { batch, resolveOffset, heartbeat, isRunning, isStale, pause, commitOffsetsIfNecessary } = payload;
    const { topic, partition } = batch;
    const category = topic.slice(this.bus.config.topicPrefix.length + 1);
    let lastHandled: string | undefined;
    const handleBatch = this.options.handleBatch;
    try {
      for (let i = 0; i < batch.messages.length; ) {
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

/**
 * kafkajs's console output, less two kinds of noise. The idempotent producer's warning about bounded
 * retries: they are bounded on purpose, and a failed publish gets a fresh producer (replaceProducer).
 * And the error kafkajs logs for every response a moving or new leader answers, even when the request
 * is retried and succeeds; a failure that lasts still rejects the publish or crashes the consumer.
 */
const kafkajsLogs: logCreator = () => ({ namespace, level, label, log }) => {
  const { message, ...extra } = log;
  if (message.startsWith('Limiting retries for the idempotent producer')) return;
  if (namespace === 'Connection' && typeof extra.error === 'string' && TRANSIENT_RESPONSE_ERRORS.has(extra.error)) return;
  const line = JSON.stringify({ level: label, logger: 'kafkajs', namespace, message, ...extra });
  if (level === logLevel.ERROR || level === logLevel.NOTHING) console.error(line);
  else console.warn(line);
};

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
