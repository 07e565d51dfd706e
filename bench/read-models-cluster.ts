/**
 * The read-model store on one Redis against a Redis Cluster, without Kafka: how fast applyMany takes a
 * history in the projector's batches (200 events), and what the queries cost (single-key reads, and
 * the merged ones: leaderboard over every shard, a day's stats summed over every shard).
 *   bash infra/redis-cluster/start.sh
 *   node --require ./infra/register-ts.js bench/read-models-cluster.ts
 * BENCH_EVENTS (20000), BENCH_QUERIES (400 per kind), REDIS_URL_TEST (one Redis, :6379),
 * REDIS_CLUSTER_URL (redis+cluster://127.0.0.1:7000,...). Writes under prefixes of its own, removed at the end.
 */
import { loadavg } from 'node:os';
import { RedisReadModelStore, type Applied } from '@zan/read-models';
import { Workload, seededRandom } from '../libs/read-models/src/testing/workload';
import { isolation, testServers } from '../test/support/isolation';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 20_000);
const QUERIES = Number(process.env.BENCH_QUERIES ?? 400);
const BATCH = 200;
const CLUSTER_URL = process.env.REDIS_CLUSTER_URL ?? 'redis+cluster://127.0.0.1:7000,127.0.0.1:7001,127.0.0.1:7002';

const history = (): Applied[] => {
  const random = seededRandom(7);
  const users = Array.from({ length: 500 }, (_, i) => `u${i}`);
  const pick = () => users[Math.floor(random() * users.length)]!;
  const w = new Workload();
  for (const u of users) w.open(u).fund(u, 10_000_000);
  for (let k = 0; k < 20; k++) w.publish(users[k]!, `article-${k}`);
  while (w.events.length < EVENTS) {
    const [a, b] = [pick(), pick()];
    if (a === b) continue;
    if (random() < 0.6) w.tip(a, b, `article-${Math.floor(random() * 20)}`, 1 + Math.floor(random() * 5000));
    else w.transfer(a, b, 1 + Math.floor(random() * 3000));
  }
  return w.deliveries();
};

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

const latency = async (run: (i: number) => Promise<unknown>): Promise<{ p50: number; p99: number }> => {
  const times: number[] = [];
  for (let i = 0; i < QUERIES; i++) {
    const started = process.hrtime.bigint();
    await run(i);
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  times.sort((a, b) => a - b);
  return { p50: Math.round(percentile(times, 50) * 100) / 100, p99: Math.round(percentile(times, 99) * 100) / 100 };
};

const measure = async (name: string, url: string, deliveries: Applied[]) => {
  const store = new RedisReadModelStore({ redis: url, prefix: isolation(`bench-${name}`).redisPrefix });
  try {
    const started = Date.now();
    for (let i = 0; i < deliveries.length; i += BATCH) await store.applyMany(deliveries.slice(i, i + BATCH));
    const seconds = (Date.now() - started) / 1000;
    const day = deliveries[deliveries.length - 1]!.event.occurredAt.slice(0, 10);
    const figures = {
      deployment: name,
      eventsPerSecond: Math.round(deliveries.length / seconds),
      wallet: await latency((i) => store.wallet(`u${i % 500}`)),
      feed: await latency((i) => store.feed(`u${i % 500}`, { limit: 20 })),
      leaderboard10: await latency(() => store.leaderboard(10)),
      statsDay: await latency(() => store.stats({ unit: 'day', from: day, to: day })),
      watermark: await latency(() => store.watermark()),
    };
    return figures;
  } finally {
    await store.clear();
    await store.close();
  }
};

const main = async () => {
  const deliveries = history();
  const results = [];
  results.push(await measure('one-redis', testServers().redisUrl, deliveries));
  results.push(await measure('redis-cluster-3x2', CLUSTER_URL, deliveries));
  console.log(
    JSON.stringify(
      { events: deliveries.length, batch: BATCH, queriesPerKind: QUERIES, loadAverage: loadavg().map((n) => Math.round(n * 10) / 10), results },
      null,
      2,
    ),
  );
};

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
