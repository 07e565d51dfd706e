import { encodeEvent, topicName, type KafkaRecord } from '../cloud-events';
import { deliver, FailedDeliveries } from '../delivery';
import type { ConsumerOptions, EventBus, EventConsumer, EventPublisher, OutgoingEvent, OutgoingRecord, RawDelivery } from '../event-bus.port';

export interface InProcessEventBusConfig {
  /** Default `zan`, as on Kafka. */
  topicPrefix?: string;
  /**
   * How long a message every group has read is kept, for a group that starts later (default 60 s:
   * the embedded process starts all its consumers within moments of each other).
   */
  retainMs?: number;
}

const DEFAULT_RETAIN_MS = 60_000;

/** What a topic holds: what a publisher encodes, or anything else a test or tool appends. */
interface Message {
  key: string | null;
  headers: Record<string, string>;
  value: string | null;
}

/**
 * A topic's log from `start` on: what is older was read by every group and dropped (Kafka's retention).
 * `at` holds each message's append time, in order (performance.now(): it never goes back).
 */
interface TopicLog {
  start: number;
  messages: Message[];
  at: number[];
}

/**
 * The bus of the embedded mode: Kafka's semantics in memory, for one process. Each topic is one
 * ordered log (a single partition); each group has its committed offsets; delivery is at least once.
 * Messages go through the CloudEvents encoding both ways, as they do on Kafka. Nothing survives the
 * process: on restart the embedded relay publishes again from its checkpoint.
 *
 * A message is dropped once every group that reads its topic has committed it and it is older than
 * `retainMs`: the embedded process runs for months, and every event it ever relayed, kept encoded,
 * grew its heap without end (about 1 KB an event). A group that starts after that reads from the
 * oldest message kept, as a Kafka group does from the oldest its retention kept.
 */
export class InProcessEventBus implements EventBus {
  readonly topicPrefix: string;
  private readonly retainMs: number;
  private readonly logs = new Map<string, TopicLog>();
  /** topic -> the groups that ever read it: a message is kept until each has committed it. */
  private readonly readers = new Map<string, Set<string>>();
  /** group -> topic -> offset of the next message to deliver. */
  private readonly commits = new Map<string, Map<string, number>>();
  /** `${group} ${topic}` -> the consumer reading it: one partition has one reader per group. */
  private readonly owners = new Map<string, InProcessConsumer>();
  private readonly waiters = new Set<() => void>();
  private readonly publishers = new Set<InProcessPublisher>();
  private readonly consumers = new Set<InProcessConsumer>();

  constructor(config: InProcessEventBusConfig = {}) {
    this.topicPrefix = config.topicPrefix ?? 'zan';
    this.retainMs = config.retainMs ?? DEFAULT_RETAIN_MS;
  }

  topicFor(category: string): string {
    return topicName(this.topicPrefix, category);
  }

  async ensureTopics(categories: string[]): Promise<void> {
    for (const category of categories) this.ensureTopic(this.topicFor(category));
  }

  /** The log lives as long as this bus: it drops only what every group has read (see trim). */
  async topicsLost(): Promise<boolean> {
    return false;
  }

  async clusterId(): Promise<string> {
    return 'in-process';
  }

  async logEnds(): Promise<Map<string, bigint>> {
    return new Map();
  }

  /** One log per topic: no partitions, so no stream ever moves. */
  async partitions(): Promise<undefined> {
    return undefined;
  }

  publisher(): EventPublisher {
    const publisher = new InProcessPublisher(this, () => this.publishers.delete(publisher));
    this.publishers.add(publisher);
    return publisher;
  }

  consumer(options: ConsumerOptions): EventConsumer {
    const consumer: InProcessConsumer = new InProcessConsumer(this, options, (running) =>
      running ? this.consumers.add(consumer) : this.consumers.delete(consumer),
    );
    return consumer;
  }

  async ping(): Promise<void> {}

  async lag(groupId: string, categories: string[]): Promise<number> {
    return categories
      .map((category) => this.topicFor(category))
      .reduce((sum, topic) => sum + this.end(topic) - Math.max(this.start(topic), this.committed(groupId, topic) ?? 0), 0);
  }

  async close(): Promise<void> {
    await Promise.all([...this.consumers].map((c) => c.stop()));
    await Promise.all([...this.publishers].map((p) => p.close()));
  }

  /** @internal */
  append(records: Array<Message & Pick<KafkaRecord, 'topic'>>): void {
    const now = performance.now();
    const appended = new Map<string, TopicLog>();
    for (const { topic, ...message } of records) {
      const log = this.ensureTopic(topic);
      log.messages.push(message);
      log.at.push(now);
      appended.set(topic, log);
    }
    for (const [topic, log] of appended) this.trim(topic, log, now);
    this.wake();
  }

  /** @internal The message at `offset`; undefined past the end, or once it was dropped. */
  read(topic: string, offset: number): Message | undefined {
    const log = this.logs.get(topic);
    return log && offset >= log.start ? log.messages[offset - log.start] : undefined;
  }

  /** @internal The offset of the oldest message kept. */
  start(topic: string): number {
    return this.logs.get(topic)?.start ?? 0;
  }

  /** @internal */
  end(topic: string): number {
    const log = this.logs.get(topic);
    return log ? log.start + log.messages.length : 0;
  }

  /** @internal `groupId` reads `topics`: from now on their messages wait for its commits. */
  join(groupId: string, topics: readonly string[]): void {
    for (const topic of topics) {
      let groups = this.readers.get(topic);
      if (!groups) this.readers.set(topic, (groups = new Set()));
      groups.add(groupId);
    }
  }

  /** @internal */
  committed(groupId: string, topic: string): number | undefined {
    return this.commits.get(groupId)?.get(topic);
  }

  /** @internal */
  commit(groupId: string, topic: string, nextOffset: number): void {
    let group = this.commits.get(groupId);
    if (!group) this.commits.set(groupId, (group = new Map<string, number>()));
    group.set(topic, nextOffset);
  }

  /** @internal True when `consumer` reads `topic` for its group (taking it when no one does). */
  claim(consumer: InProcessConsumer, groupId: string, topic: string): boolean {
    const key = `${groupId}\u0000${topic}`;
    const owner = this.owners.get(key);
    if (owner === consumer) return true;
    if (owner) return false;
    this.owners.set(key, consumer);
    return true;
  }

  /** @internal */
  release(consumer: InProcessConsumer): void {
    for (const [key, owner] of this.owners) if (owner === consumer) this.owners.delete(key);
    this.wake();
  }

  /** @internal Resolves on the next publish, release or wake, or after `ms`. */
  waitForChange(ms: number | undefined): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        if (timer) clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = ms === undefined ? undefined : setTimeout(done, ms);
      this.waiters.add(done);
    });
  }

  /** @internal */
  wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  private ensureTopic(topic: string): TopicLog {
    let log = this.logs.get(topic);
    if (!log) this.logs.set(topic, (log = { start: 0, messages: [], at: [] }));
    return log;
  }

  /** Drops the messages every reader of the topic has committed that are older than retainMs. */
  private trim(topic: string, log: TopicLog, now: number): void {
    let readThrough = this.end(topic);
    for (const groupId of this.readers.get(topic) ?? []) readThrough = Math.min(readThrough, this.committed(groupId, topic) ?? log.start);
    const old = firstAfter(log.at, now - this.retainMs);
    const drop = Math.min(readThrough - log.start, old);
    // Dropped in chunks: shifting the arrays for each message would cost their length every time.
    if (drop <= 0 || (drop < 1024 && drop * 2 < log.messages.length)) return;
    log.messages.splice(0, drop);
    log.at.splice(0, drop);
    log.start += drop;
  }
}

/** The index of the first time in `times` (ascending) after `cutoff`; its length when there is none. */
const firstAfter = (times: readonly number[], cutoff: number): number => {
  let low = 0;
  let high = times.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (times[middle]! <= cutoff) low = middle + 1;
    else high = middle;
  }
  return low;
};

class InProcessPublisher implements EventPublisher {
  private closed = false;

  constructor(
    private readonly bus: InProcessEventBus,
    private readonly onClose: () => void,
  ) {}

  async publish(batch: OutgoingEvent[]): Promise<void> {
    if (this.closed) throw new Error('publisher is closed');
    // Encode everything first: a batch is written whole or not at all.
    const records = batch.map(({ event, prevPosition }) => encodeEvent(event, prevPosition, this.bus.topicPrefix));
    this.bus.append(records);
  }

  async publishRecords(records: OutgoingRecord[]): Promise<void> {
    if (this.closed) throw new Error('publisher is closed');
    this.bus.append(records.map((record) => ({ ...record, headers: { ...record.headers } })));
  }

  async close(): Promise<void> {
    this.closed = true;
    this.onClose();
  }
}

class InProcessConsumer implements EventConsumer {
  private readonly topics: string[];
  private readonly failures: FailedDeliveries;
  /** Where this member reads next, for topics its group has not committed yet. */
  private readonly positions = new Map<string, number>();
  private readonly retryAt = new Map<string, number>();
  private running = false;
  private loop?: Promise<void>;
  private turn = 0;

  constructor(
    private readonly bus: InProcessEventBus,
    private readonly options: ConsumerOptions,
    /** Keeps the bus's list of running consumers, which close() stops. */
    private readonly track: (running: boolean) => unknown,
  ) {
    this.topics = [...new Set(options.categories.map((c) => bus.topicFor(c)))];
    this.failures = new FailedDeliveries(options);
  }

  async start(): Promise<void> {
    if (this.running) throw new Error(`consumer ${this.options.groupId} is already started`);
    await this.bus.ensureTopics(this.options.categories);
    this.bus.join(this.options.groupId, this.topics);
    this.positions.clear();
    if (this.options.fromBeginning === false) {
      // A group seen for the first time starts at the end, like Kafka's auto.offset.reset=latest.
      for (const topic of this.topics) this.positions.set(topic, this.bus.end(topic));
    }
    this.running = true;
    this.track(true);
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.bus.wake();
    await this.loop;
    this.bus.release(this);
    this.track(false);
  }

  private async run(): Promise<void> {
    while (this.running) {
      const now = Date.now();
      let next: { topic: string; offset: number } | undefined;
      let wakeAt: number | undefined;
      // Round robin over the topics, so one busy or failing topic does not starve the others.
      for (let i = 0; i < this.topics.length && !next; i++) {
        const topic = this.topics[(this.turn + i) % this.topics.length]!;
        if (!this.bus.claim(this, this.options.groupId, topic)) continue;
        const retryAt = this.retryAt.get(topic);
        if (retryAt !== undefined && retryAt > now) {
          wakeAt = Math.min(wakeAt ?? retryAt, retryAt);
          continue;
        }
        const offset = this.position(topic);
        if (offset < this.bus.end(topic)) next = { topic, offset };
      }
      if (!next) {
        await this.bus.waitForChange(wakeAt === undefined ? undefined : wakeAt - now);
        continue;
      }
      this.turn = (this.turn + 1) % this.topics.length;
      await this.deliverOne(next.topic, next.offset);
    }
  }

  /** Where the group reads next: never before the oldest message kept (Kafka's earliest). */
  private position(topic: string): number {
    return Math.max(this.bus.start(topic), this.bus.committed(this.options.groupId, topic) ?? this.positions.get(topic) ?? 0);
  }

  private async deliverOne(topic: string, offset: number): Promise<void> {
    const message = this.bus.read(topic, offset)!;
    const raw: RawDelivery = {
      topic,
      partition: 0,
      offset: String(offset),
      key: message.key,
      headers: { ...message.headers },
      value: message.value,
    };
    try {
      await deliver(this.options, raw, topic.slice(this.bus.topicPrefix.length + 1));
    } catch (error) {
      this.retryAt.set(topic, Date.now() + this.failures.failed(raw, error));
      return;
    }
    this.failures.succeeded(raw);
    this.retryAt.delete(topic);
    this.bus.commit(this.options.groupId, topic, offset + 1);
  }
}
