import { Partitioners, type Kafka, type Message, type Producer } from 'kafkajs';
import { encodeEvent } from '../cloud-events';
import type { EventPublisher, OutgoingEvent, OutgoingRecord } from '../event-bus.port';
import type { KafkaTopics } from './topics';

/** Publishes with acks from every in-sync replica, creating a topic the first time it is written. */
export class KafkaEventPublisher implements EventPublisher {
  private producer: Producer;
  private connected?: Promise<void>;
  private closed = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly topics: KafkaTopics,
    private readonly onClose: () => void,
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

  private async send(records: OutgoingRecord[]): Promise<void> {
    if (records.length === 0) return;
    const byTopic = new Map<string, Message[]>();
    for (const { topic, key, headers, value } of records) {
      let messages = byTopic.get(topic);
      if (!messages) byTopic.set(topic, (messages = []));
      messages.push({ key, headers, value });
    }
    await this.topics.ensure([...byTopic.keys()]);
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
