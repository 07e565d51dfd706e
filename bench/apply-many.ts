/**
 * The projector's write path alone: RedisReadModelStore.applyMany over the tip storm's events (the
 * reader's TipPraised and the author's TipReceived), in the projector's batch size, without Kafka or
 * HTTP. Prints this process's CPU per tip, the bytes it wrote to Redis per tip, and Redis's own CPU
 * and its commands per tip (INFO commandstats) (exact on a Redis of its own; on a shared one other work counts).
 *   redis-server --port 6391 --save '' &      # a Redis of its own, for exact Redis figures
 *   REDIS_URL=redis://127.0.0.1:6391 node --require ./infra/register-ts.js bench/apply-many.ts
 * TIPS (20000), ORDER (global, or kafka: interleaved as from several partitions, 2% twice), BATCH (events per applyMany, 6: what the projector gets at a few hundred tips/s),
 * REDIS_URL (redis://127.0.0.1:6379). Writes under a prefix of its own, removed at the end.
 */
import { readFileSync } from 'node:fs';
import Redis from 'ioredis';
import { RedisReadModelStore, type Applied } from '@zan/read-models';
import { Workload, kafkaInterleaving, seededRandom } from '../libs/read-models/src/testing/workload';

const TIPS = Number(process.env.TIPS ?? 20_000);
const BATCH = Number(process.env.BATCH ?? 6);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** `kafka`: the events as a consumer of several partitions gets them (credits behind their debits, some twice). */
const ORDER = process.env.ORDER ?? 'global';

/** The tip storm's shape: 200 readers, 20 authors with 4 articles each, ids as the storm names them. */
const tips = (count: number): Applied[] => {
  const random = seededRandom(11);
  const run = 'k3j9x';
  const readers = Array.from({ length: 200 }, (_, i) => `reader${i}-${run}`);
  const authors = Array.from({ length: 20 }, (_, i) => `author${i}-${run}`);
  const w = new Workload({ startAt: new Date() });
  for (let i = 0; i < count; i++) {
    const author = authors[Math.floor(random() * authors.length)]!;
    w.tip(readers[Math.floor(random() * readers.length)]!, author, `${author}-a${Math.floor(random() * 4)}`, 500 + Math.floor(random() * 19_500));
  }
  return ORDER === 'kafka' ? kafkaInterleaving(w.deliveries(), seededRandom(5), 0.02) : w.deliveries();
};

const cpuMsOf = (pid: number): number => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
};

const commandStats = async (redis: Redis): Promise<Map<string, { calls: number; usec: number }>> => {
  const stats = new Map<string, { calls: number; usec: number }>();
  for (const match of (await redis.info('commandstats')).matchAll(/cmdstat_([a-z|_-]+):calls=(\d+),usec=(\d+)/g)) {
    stats.set(match[1]!, { calls: Number(match[2]), usec: Number(match[3]) });
  }
  return stats;
};

async function main(): Promise<void> {
  const redis = new Redis(REDIS_URL);
  const redisPid = Number(/process_id:(\d+)/.exec(await redis.info('server'))![1]);
  const prefix = `bench-apply-${process.pid}:`;
  const store = new RedisReadModelStore({ redis, prefix });
  const deliveries = tips(TIPS);
  const warm = Math.min(2000, deliveries.length / 4);
  try {
    for (let i = 0; i < warm; i += BATCH) await store.applyMany(deliveries.slice(i, Math.min(i + BATCH, warm)));
    const socket = (redis as unknown as { stream: { bytesWritten: number } }).stream;
    const before = {
      cpu: process.cpuUsage(),
      redis: cpuMsOf(redisPid),
      commands: await commandStats(redis),
      bytes: socket.bytesWritten,
      at: performance.now(),
    };
    for (let i = warm; i < deliveries.length; i += BATCH) await store.applyMany(deliveries.slice(i, i + BATCH));
    const seconds = (performance.now() - before.at) / 1000;
    const cpu = process.cpuUsage(before.cpu);
    const after = await commandStats(redis);
    const measured = (deliveries.length - warm) / 2;
    const per = (total: number) => (total / measured).toFixed(3);
    console.log(`${measured} tips (${measured * 2} events) in batches of ${BATCH}: ${Math.round((measured * 2) / seconds)} events/s`);
    console.log(`this process ${per((cpu.user + cpu.system) / 1000)} ms CPU per tip, ${per(socket.bytesWritten - before.bytes)} bytes to Redis per tip`);
    const calls = [...after]
      .map(([name, { calls, usec }]) => [name, calls - (before.commands.get(name)?.calls ?? 0), usec - (before.commands.get(name)?.usec ?? 0)] as const)
      .filter(([name, calls]) => calls > 0 && name !== 'info');
    console.log(
      `redis ${per(cpuMsOf(redisPid) - before.redis)} ms CPU per tip (whole server); per tip: ${calls.map(([name, n, usec]) => `${name} ${per(n)} calls ${per(usec / 1000)} ms`).join(', ')}`,
    );
  } finally {
    await store.clear();
    redis.disconnect();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
