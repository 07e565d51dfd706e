import type { Admin, Kafka } from 'kafkajs';
import { topicName } from '../cloud-events';

/** Topics are the replayable history of the system: never deleted by age or size. */
const RETENTION = { name: 'retention.ms', value: '-1' };
/** Replicas of a new topic: three where the cluster has them, so one broker may fail (docs/scaling.md). */
const MAX_REPLICAS = 3;

/**
 * How a new topic is replicated on a cluster of `brokers`: three replicas and two of them in sync for
 * a write (the producer asks acks=all) when there are three brokers or more, so a broker may be lost
 * without losing an acknowledged event or refusing writes; one replica on a single broker.
 */
export const replicationFor = (brokers: number): { replicationFactor: number; configEntries: { name: string; value: string }[] } => {
  const replicationFactor = Math.max(1, Math.min(MAX_REPLICAS, brokers));
  const minInSync = replicationFactor >= 3 ? 2 : 1;
  return { replicationFactor, configEntries: [RETENTION, { name: 'min.insync.replicas', value: String(minInSync) }] };
};
/** A KRaft broker may not know a topic for a moment after the controller created it. */
const NOT_READY_YET = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE', 'NOT_LEADER_FOR_PARTITION']);
const TOPIC_READY_TIMEOUT_MS = 15_000;

/**
 * The bus's topics: their names (`<topicPrefix>.<category>`, see topicName), creating the missing ones,
 * and the one admin connection that does it (also used for ping and lag).
 */
export class KafkaTopics {
  private admin?: Promise<Admin>;
  private readonly known = new Set<string>();
  /** ensure() calls run one after another, so one process never races itself to create a topic. */
  private ensuring: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly kafka: Kafka,
    readonly topicPrefix: string,
    /** Partitions of the topics ensure creates. Existing topics are left alone. */
    private readonly partitions: number,
  ) {}

  nameOf(category: string): string {
    return topicName(this.topicPrefix, category);
  }

  /** The category of one of this bus's topics (the inverse of nameOf). */
  categoryOf(topic: string): string {
    return topic.slice(this.topicPrefix.length + 1);
  }

  /** Creates the topics, by name, that do not exist yet, and waits until they can be written to. */
  ensure(topics: string[]): Promise<void> {
    const wanted = [...new Set(topics)].filter((t) => !this.known.has(t));
    if (wanted.length === 0) return Promise.resolve();
    const run = this.ensuring.catch(() => undefined).then(() => this.createMissing(wanted));
    this.ensuring = run;
    return run;
  }

  /**
   * True when not one of the topics holds a message: each is missing or was never written (brokers
   * that came back with their data wiped are a new, empty cluster); or when one of `published` (topics
   * that held what was published before) is missing: deleted alone. The topics are then forgotten, so
   * the next ensure creates the missing ones again instead of trusting that they exist, on a new admin
   * connection (kafkajs's keeps asking for the metadata of every topic it was asked about, and fails
   * while one of them is missing).
   */
  async lost(topics: string[], published: string[] = []): Promise<boolean> {
    const admin = await this.adminClient();
    const existing = new Set(await admin.listTopics());
    const deleted = published.some((topic) => !existing.has(topic));
    for (const topic of deleted ? [] : topics) {
      if (!existing.has(topic)) continue;
      const offsets = await admin.fetchTopicOffsets(topic);
      if (offsets.some((p) => BigInt(p.high) > 0n)) return false;
    }
    for (const topic of topics) this.known.delete(topic);
    this.reset();
    return true;
  }

  /** The partitions of the categories' topics now, by category (a topic that does not exist has 0). */
  async partitionCounts(categories: string[]): Promise<Map<string, number>> {
    const admin = await this.adminClient();
    const existing = new Set(await admin.listTopics());
    const names = categories.map((c) => this.nameOf(c)).filter((t) => existing.has(t));
    const { topics } = names.length > 0 ? await admin.fetchTopicMetadata({ topics: names }) : { topics: [] };
    return new Map(categories.map((c) => [c, topics.find((t) => t.name === this.nameOf(c))?.partitions.length ?? 0]));
  }

  adminClient(): Promise<Admin> {
    if (!this.admin) {
      const admin = this.kafka.admin();
      this.admin = admin.connect().then(() => admin);
      this.admin.catch(() => (this.admin = undefined));
    }
    return this.admin;
  }

  /**
   * Drops the admin connection and any topic creation still waiting on it (a publish gave up on
   * them): the next ensure starts afresh on a new connection.
   */
  reset(): void {
    const admin = this.admin;
    this.admin = undefined;
    this.ensuring = Promise.resolve();
    if (admin) void admin.then((a) => a.disconnect()).catch(() => undefined);
  }

  async close(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    if (admin) await (await admin.catch(() => undefined))?.disconnect();
  }

  private async createMissing(topics: string[]): Promise<void> {
    const wanted = topics.filter((t) => !this.known.has(t));
    if (wanted.length === 0) return;
    const admin = await this.adminClient();
    const existing = new Set(await admin.listTopics());
    const missing = wanted.filter((t) => !existing.has(t));
    if (missing.length > 0) {
      const { brokers } = await admin.describeCluster();
      const replication = replicationFor(brokers.length);
      // Resolves false when another process created them first: that is fine too.
      await admin.createTopics({
        waitForLeaders: false,
        topics: missing.map((topic) => ({ topic, numPartitions: this.partitions, ...replication })),
      });
      await this.waitForLeaders(admin, missing);
    }
    for (const topic of wanted) this.known.add(topic);
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
}
