/**
 * The floor's projector (bench/floor.ts): a kafkajs consumer group member that applies each batch of
 * events to Redis in one pipeline: HINCRBY of the wallet's balance (the debit negative, the credit
 * positive) and, for a credit, ZINCRBY of the authors' leaderboard; plus one INCRBY per batch of the
 * count applied (how the bench sees it has caught up). Offsets are committed by kafkajs at most every
 * 200 ms (autoCommitInterval), as Zan spaces its commits (KAFKA_COMMIT_INTERVAL_MS). No dedupe, no
 * watermark, no Lua: at-least-once delivery would count a redelivered event twice here.
 */
import { Kafka, logLevel } from 'kafkajs';
import Redis from 'ioredis';

const prefix = process.env.FLOOR_REDIS_PREFIX!;

interface Event {
  type: 'TipPraised' | 'TipReceived';
  data: { readerId: string; authorId: string; amount: number };
}

async function main(): Promise<void> {
  const redis = new Redis(process.env.FLOOR_REDIS_URL!);
  const kafka = new Kafka({ clientId: 'zan-floor-projector', brokers: process.env.FLOOR_KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `${prefix}projector`, allowAutoTopicCreation: false, maxWaitTimeInMs: 500 });
  consumer.on(consumer.events.GROUP_JOIN, () => console.log('projector joined'));
  await consumer.connect();
  await consumer.subscribe({ topics: [process.env.FLOOR_TOPIC!], fromBeginning: true });
  await consumer.run({
    autoCommit: true,
    autoCommitInterval: 200,
    eachBatch: async ({ batch }) => {
      const pipeline = redis.pipeline();
      for (const message of batch.messages) {
        const event = JSON.parse(message.value!.toString('utf8')) as Event;
        const { readerId, authorId, amount } = event.data;
        if (event.type === 'TipPraised') pipeline.hincrby(`${prefix}balance:${readerId}`, 'available', -amount);
        else {
          pipeline.hincrby(`${prefix}balance:${authorId}`, 'available', amount);
          pipeline.zincrby(`${prefix}leaderboard`, amount, authorId);
        }
      }
      pipeline.incrby(`${prefix}applied`, batch.messages.length);
      const replies = (await pipeline.exec()) ?? [];
      const failed = replies.find(([error]) => error)?.[0];
      if (failed) throw failed;
    },
  });
  process.on('SIGTERM', () => {
    void consumer
      .disconnect()
      .finally(() => redis.disconnect())
      .finally(() => process.exit(0)); // exiting is all that is left to do
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
