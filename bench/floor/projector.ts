/**
 * The floor's projector (bench/floor.ts): a kafkajs consumer group member that applies each batch of
 * events to Redis in one pipeline: HINCRBY of the wallet's balance (the debit negative, the credit
 * positive) and, for a credit, ZINCRBY of the authors' leaderboard; plus one INCRBY per batch of the
 * count applied (how the bench sees it has caught up). Offsets are committed by kafkajs at most every
 * 200 ms (autoCommitInterval), as Zan spaces its commits (KAFKA_COMMIT_INTERVAL_MS). No dedupe, no
 * watermark, no Lua: at-least-once delivery would count a redelivered event twice here.
 *
 * FLOOR_KEPT=1 (mode `kept`): what Zan's read models promise under at-least-once delivery. Messages
 * are read as the relay's CloudEvents (ce_ headers, the data as the value), and each batch is one Lua
 * script (as Zan's projector sends one per batch) that applies an event only when its stream revision
 * is past the last one applied to that stream, records it, and sets the partition's watermark (its
 * last offset), so a redelivered event changes nothing and a reader can tell how far the models are.
 */
import { Kafka, logLevel } from 'kafkajs';
import Redis from 'ioredis';

const prefix = process.env.FLOOR_REDIS_PREFIX!;
const kept = process.env.FLOOR_KEPT === '1';

/** ARGV: prefix, partition, last offset, then per event: stream, revision, type, wallet, amount, author. */
const APPLY = `
local prefix = ARGV[1]
local applied = 0
for i = 4, #ARGV, 6 do
  local stream, revision, kind, wallet, amount = ARGV[i], tonumber(ARGV[i + 1]), ARGV[i + 2], ARGV[i + 3], tonumber(ARGV[i + 4])
  local last = tonumber(redis.call('HGET', prefix .. 'revisions', stream) or '-1')
  if revision > last then
    redis.call('HSET', prefix .. 'revisions', stream, revision)
    if kind == 'TipPraised' then
      redis.call('HINCRBY', prefix .. 'balance:' .. wallet, 'available', -amount)
    else
      redis.call('HINCRBY', prefix .. 'balance:' .. wallet, 'available', amount)
      if kind == 'TipReceived' then redis.call('ZINCRBY', prefix .. 'leaderboard', amount, ARGV[i + 5]) end
    end
    applied = applied + 1
  end
end
redis.call('HSET', prefix .. 'watermark', ARGV[2], ARGV[3])
redis.call('INCRBY', prefix .. 'applied', applied)
return applied`;

const header = (headers: Record<string, Buffer | string | (Buffer | string)[] | undefined> | undefined, name: string): string => {
  const value = headers?.[name];
  if (value === undefined || Array.isArray(value)) throw new Error(`no single ${name} header`);
  return value.toString();
};

interface Event {
  type: 'TipPraised' | 'TipReceived';
  data: { readerId: string; authorId: string; amount: number };
}

async function main(): Promise<void> {
  const redis = new Redis(process.env.FLOOR_REDIS_URL!);
  redis.defineCommand('floorApply', { numberOfKeys: 0, lua: APPLY }); // EVALSHA, the script sent once
  const kafka = new Kafka({ clientId: 'zan-floor-projector', brokers: process.env.FLOOR_KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `${prefix}projector`, allowAutoTopicCreation: false, maxWaitTimeInMs: 500 });
  consumer.on(consumer.events.GROUP_JOIN, () => console.log('projector joined'));
  await consumer.connect();
  await consumer.subscribe({ topics: [process.env.FLOOR_TOPIC!], fromBeginning: true });
  await consumer.run({
    autoCommit: true,
    autoCommitInterval: 200,
    eachBatch: async ({ batch }) => {
      if (kept) {
        const args: (string | number)[] = [prefix, batch.partition, batch.lastOffset()];
        for (const message of batch.messages) {
          const type = header(message.headers, 'ce_type');
          const data = JSON.parse(message.value!.toString('utf8')) as { readerId?: string; authorId?: string; userId?: string; amount: number };
          const wallet = type === 'TipPraised' ? data.readerId : type === 'TipReceived' ? data.authorId : data.userId;
          args.push(header(message.headers, 'ce_subject'), header(message.headers, 'ce_sequence'), type, wallet!, data.amount, data.authorId ?? '');
        }
        await (redis as Redis & { floorApply: (...args: (string | number)[]) => Promise<number> }).floorApply(...args);
        return;
      }
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
