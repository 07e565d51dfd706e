import { Partitioners, type ICustomPartitioner, type Kafka, type Message, type Producer } from 'kafkajs';
import { encodeEvent } from '../cloud-events';
import { PartitionsChanged, partitionsChangedIn, type EventPublisher, type OutgoingEvent, type OutgoingRecord } from '../event-bus.port';
import type { KafkaTopics } from './topics';
import { within } from './within';

/** Publishes with acks from every in-sync replica, creating a topic the first time it is written. */
export class KafkaEventPublisher implements EventPublisher {
  private producer: Producer;
  private connected?: Promise<void>;
  private closed = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly topics: KafkaTopics,
    private readonly sendTimeoutMs: number,
    private readonly onClose: () => void,
    /** By topic, the partitions its history was published with (see PublisherOptions). */
    private readonly partitions?: ReadonlyMap<string, number>,
  ) {
    this.producer = this.newProducer();
  }

  async publish(batch: OutgoingEvent[]): Promise<void> {
    if (this.closed) throw new Error('publisher is closed');
    await this.send(batch.map(({ event, prevPosition }) => encodeEvent(event, prevPosition, this.topics.topicPrefix)));
  }

  async publishRecords(records: OutgoingRecord[]): Promise<void> {
    if (this.closed) throw new Error('publisher is closed');
    await this.send(records);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.onClose();
    await this.producer.disconnect();
  }

  /**
   * One publish within the deadline. Past it the producer (and the admin connection that creates
   * topics) are dropped, so the retry starts on new connections; the abandoned request may still
   * land, which at least once allows (consumers dedupe by event id, projectors by revision).
   */
  private async send(records: OutgoingRecord[]): Promise<void> {
    if (records.length === 0) return;
    const attempt = { abandoned: false };
    try {
      await within(this.sendNow(records, attempt), this.sendTimeoutMs, () => new PublishTimedOut(this.sendTimeoutMs));
    } catch (error) {
      if (error instanceof PublishTimedOut) {
        attempt.abandoned = true;
        this.topics.reset();
        void this.replaceProducer();
      }
      throw error;
    }
  }

  private async sendNow(records: OutgoingRecord[], attempt: { abandoned: boolean }): Promise<void> {
    const byTopic = new Map<string, Message[]>();
    for (const { topic, key, headers, value } of records) {
      let messages = byTopic.get(topic);
      if (!messages) byTopic.set(topic, (messages = []));
      messages.push({ key, headers, value });
    }
    await this.topics.ensure([...byTopic.keys()]);
    await this.connect();
    // Abandoned while waiting for a topic or a connection: the retry sends it, never this attempt
    // on the new producer as well (that would put an old batch behind newer ones).
    if (attempt.abandoned) throw new PublishTimedOut(this.sendTimeoutMs);
    const producer = this.producer;
    try {
      // kafkajs has no linger: the batch the relay hands over is the batch sent, one request per broker.
      await producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
    } catch (error) {
      await this.replaceProducer(producer);
      throw partitionsChangedIn(error) ?? error;
    }
  }

  /**
   * One attempt per publish, and no idempotence. kafkajs retries a failed send by broker: a batch
   * spread over several brokers whose partition moved during the send (a leader killed) can resolve
   * with that partition's messages never written (kafkajs issues #1303 and #1798: the responses of
   * the first try are kept across retries, so the partition's new leader, already answered for
   * others, is never asked). The failover spec lost one acknowledged event of 238 that way in about
   * one run in three. With no retries inside kafkajs, any failed broker request fails the whole
   * publish, and the caller (the relay) sends the whole batch again on a new producer: a partition
   * that had it gets it twice, which consumers already drop (by stream revision, by event id).
   * kafkajs allows idempotence only with retries, so it is off; one request in flight keeps order.
   */
  private newProducer(): Producer {
    return this.kafka.producer({
      idempotent: false,
      retry: { retries: 0 },
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // murmur2 on the key, as the Java client does, so every client agrees on a stream's partition.
      createPartitioner: this.partitions ? keepingPartitions(this.partitions) : Partitioners.DefaultPartitioner,
    });
  }

  /**
   * After a failed send, part of the batch may be written and the producer's sequence numbers are no
   * longer trusted: a new producer (a new producer id) sends the retry. Consumers dedupe what repeats.
   */
  private async replaceProducer(old = this.producer): Promise<void> {
    // A send abandoned at its deadline fails later: its producer was already replaced.
    if (old !== this.producer) return;
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

/**
 * The default partitioner, refusing a topic whose partitions are not those its history was published
 * with. kafkajs partitions every message of a send before it writes any, on the partitions its metadata
 * knows (refreshed every 5 minutes, and when a send names a new topic): the send fails whole, and
 * nothing reaches a partition the stream was not on.
 */
const keepingPartitions =
  (expected: ReadonlyMap<string, number>): ICustomPartitioner =>
  () => {
    const partition = Partitioners.DefaultPartitioner();
    return (args) => {
      const published = expected.get(args.topic);
      if (published !== undefined && args.partitionMetadata.length !== published) {
        throw new PartitionsChanged(args.topic, published, args.partitionMetadata.length);
      }
      return partition(args);
    };
  };

export class PublishTimedOut extends Error {
  constructor(ms: number) {
    super(`publish not acknowledged within ${ms} ms; retrying on new connections`);
    this.name = 'PublishTimedOut';
  }
}
