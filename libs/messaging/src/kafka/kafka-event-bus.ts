import { type Admin, Kafka, logLevel } from 'kafkajs';
import type { ConsumerOptions, EventBus, EventConsumer, EventPublisher, PublisherOptions } from '../event-bus.port';
import { KafkaEventConsumer } from './consumer';
import { kafkajsLogs } from './logging';
import { KafkaEventPublisher } from './publisher';
import { installRequestQueueFix } from './request-queue';
import { KafkaTopics } from './topics';
import { within } from './within';

const DEFAULT_SEND_TIMEOUT_MS = 30_000;

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
  /**
   * Longest one publish may take, topic creation and connecting included (default 30 s). A connection
   * that went silent (no reset, as after a failover or a lost NAT entry) would otherwise hold the
   * publish through kafkajs's request timeouts and retries for minutes; past the deadline the
   * publisher drops its connections, starts a new producer and fails the publish, which the relay retries.
   */
  sendTimeoutMs?: number;
  /**
   * The shortest time between two offset commits of one consumer (default 200 ms; 0 commits after
   * every batch). Each commit is a write on the broker; a crash redelivers at most this long's
   * messages, which every consumer drops as repeats.
   */
  commitIntervalMs?: number;
  logLevel?: logLevel;
}

/**
 * The bus on Kafka. The parts: topics.ts (names, creation, the admin connection), publisher.ts,
 * consumer.ts, logging.ts (kafkajs's logs as JSON lines).
 */
export class KafkaEventBus implements EventBus {
  private readonly kafka: Kafka;
  private readonly topics: KafkaTopics;
  private readonly publishers = new Set<KafkaEventPublisher>();
  private readonly consumers = new Set<KafkaEventConsumer>();

  constructor(readonly config: KafkaEventBusConfig) {
    installRequestQueueFix();
    this.kafka = new Kafka({
      clientId: config.clientId,
      brokers: config.brokers,
      logLevel: config.logLevel ?? logLevel.WARN,
      logCreator: kafkajsLogs,
      retry: { initialRetryTime: 100, retries: 8 },
    });
    this.topics = new KafkaTopics(this.kafka, config.topicPrefix, config.partitions ?? 3);
  }

  topicFor(category: string): string {
    return this.topics.nameOf(category);
  }

  ensureTopics(categories: string[]): Promise<void> {
    return this.topics.ensure(categories.map((c) => this.topics.nameOf(c)));
  }

  topicsLost(categories: string[], published: string[] = []): Promise<boolean> {
    return this.topics.lost(
      categories.map((c) => this.topics.nameOf(c)),
      published.map((c) => this.topics.nameOf(c)),
    );
  }

  async clusterId(): Promise<string> {
    const { clusterId } = await this.askInTime(async (admin) => admin.describeCluster());
    return clusterId;
  }

  async logEnds(categories: string[]): Promise<Map<string, bigint>> {
    const ends = await this.askInTime((admin) =>
      Promise.all(
        categories.map(async (category) => {
          const offsets = await admin.fetchTopicOffsets(this.topics.nameOf(category));
          return [category, offsets.reduce((sum, partition) => sum + BigInt(partition.high), 0n)] as const;
        }),
      ),
    );
    return new Map(ends);
  }

  /**
   * An admin question the relay asks before it publishes, within the publish deadline: a connection
   * gone silent would hold it through kafkajs's request timeouts and retries for minutes. Past the
   * deadline the admin connection is dropped (the next question opens a new one) and it fails.
   */
  private async askInTime<T>(ask: (admin: Admin) => Promise<T>): Promise<T> {
    const ms = this.config.sendTimeoutMs ?? DEFAULT_SEND_TIMEOUT_MS;
    try {
      return await within(
        this.topics.adminClient().then(ask),
        ms,
        () => new Error(`the brokers did not answer within ${ms} ms; asking again on a new connection`),
      );
    } catch (error) {
      this.topics.reset();
      throw error;
    }
  }

  async partitions(categories: string[]): Promise<Map<string, number>> {
    return this.topics.partitionCounts(categories);
  }

  publisher(options: PublisherOptions = {}): EventPublisher {
    const partitions = options.partitions && new Map([...options.partitions].map(([category, count]) => [this.topics.nameOf(category), count]));
    const publisher = new KafkaEventPublisher(
      this.kafka,
      this.topics,
      this.config.sendTimeoutMs ?? DEFAULT_SEND_TIMEOUT_MS,
      () => this.publishers.delete(publisher),
      partitions,
    );
    this.publishers.add(publisher);
    return publisher;
  }

  consumer(options: ConsumerOptions): EventConsumer {
    const consumer: KafkaEventConsumer = new KafkaEventConsumer(this.kafka, this.topics, this.config, options, (running) =>
      running ? this.consumers.add(consumer) : this.consumers.delete(consumer),
    );
    return consumer;
  }

  async ping(): Promise<void> {
    await (await this.topics.adminClient()).describeCluster();
  }

  /** Sum over the partitions of (end offset - committed offset); a group with no commit starts at the low offset. */
  async lag(groupId: string, categories: string[]): Promise<number> {
    const admin = await this.topics.adminClient();
    const topics = categories.map((c) => this.topics.nameOf(c));
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
    await this.topics.close();
  }
}
