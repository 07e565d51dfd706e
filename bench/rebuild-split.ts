/**
 * Where a rebuild's time goes, on a seeded schema (bench/lib/seed.ts; the replay scenario's, kept
 * with BENCH_KEEP=1 or BENCH_SCHEMA): CPU per event of this process, of its PostgreSQL backends and
 * of Redis (INFO commandstats, all clients), in four passes over the same history:
 *   read      readAll through the PostgreSQL adapter (rows decoded, events upcast; without metadata, as the rebuild reads), nothing else;
 *   project   + every projection (event -> changes, checked);
 *   plan      + what the rebuild plans per batch without Redis;
 *   rebuild   rebuildFromEventStore into a fresh prefix, as `zan projections rebuild`.
 * Run: BENCH_SCHEMA=<schema> node --require ./infra/register-ts.js bench/rebuild-split.ts [passes...]
 * (`--cpu-prof` before --require profiles the whole process; REPEAT=n runs the passes n times).
 */
import { loadavg } from 'node:os';
import Redis from 'ioredis';
import { Client } from 'pg';
import { createPostgresEventStore } from '@zan/event-store';
import { createProjections, projectAll, rebuildFromEventStore, scanAll, unlinkAll } from '@zan/read-models';
import { backendsOf, commandStats, ticksOf, type CommandStats } from './lib/cpu-per-process';
import { benchEnv } from './lib/servers';

const PASSES = ['read', 'project', 'rebuild'] as const;
type Pass = (typeof PASSES)[number];

const main = async (): Promise<void> => {
  const env = benchEnv();
  const schema = process.env.BENCH_SCHEMA;
  if (!schema) throw new Error('BENCH_SCHEMA=<a seeded schema> is required');
  const passes = (process.argv.slice(2).length ? process.argv.slice(2) : PASSES) as Pass[];
  const pageSize = Number(process.env.PAGE ?? 1000);
  const store = await createPostgresEventStore({ connectionString: env.DATABASE_URL!, schema, poolSize: 2 });
  const pg = new Client({ connectionString: env.DATABASE_URL });
  await pg.connect();
  const redis = new Redis(env.REDIS_URL!);
  const prefix = `bench-split:${process.pid}:`;
  const projections = createProjections();
  try {
    // Opens the pool's connections, so their backends are found.
    await Promise.all([store.eventStore.readAll({ maxCount: 1 }), store.eventStore.readAll({ maxCount: 1 })]);
    const backends = await backendsOf(pg, [process.pid]);
    const ticks = () => ({ node: process.cpuUsage(), pg: backends.reduce((sum, pid) => sum + ticksOf(pid), 0) });
    for (let round = 0; round < Number(process.env.REPEAT ?? 1); round++) {
      for (const pass of passes) {
        await redis.config('RESETSTAT');
        const before = ticks();
        const started = performance.now();
        let events = 0;
        if (pass === 'rebuild') {
          const result = await rebuildFromEventStore({
            store: { redis: env.REDIS_URL!, prefix },
            source: store.eventStore,
            retireAfterMs: 0,
            batchSize: Number(process.env.BATCH ?? 1000),
            windowEntries: Number(process.env.WINDOW) || undefined,
          });
          events = result.events;
        } else {
          let after: bigint | undefined;
          let changes = 0;
          for (;;) {
            const page = await store.eventStore.readAll({ after, maxCount: pageSize, withoutMetadata: true });
            if (page.length === 0) break;
            after = page[page.length - 1]!.position;
            events += page.length;
            if (pass === 'project') for (const event of page) changes += projectAll(projections, event).length;
          }
          if (pass === 'project') console.log(`  ${(changes / events).toFixed(2)} changes per event`);
        }
        const ms = performance.now() - started;
        const node = process.cpuUsage(before.node);
        const stats = await commandStats(redis);
        const usPerEvent = (us: number) => (us / events).toFixed(1);
        console.log(
          `${pass.padEnd(8)} ${events} events ${(ms / 1000).toFixed(2)} s wall (${Math.round((events / ms) * 1000)} events/s); CPU us/event: node ${usPerEvent(node.user + node.system)}, postgres ${usPerEvent((ticks().pg - before.pg) * 10_000)}, redis ${usPerEvent(redisUsec(stats))} [${top(stats, events)}]; load ${loadavg()
            .map((n) => n.toFixed(1))
            .join(' ')}`,
        );
        await scanAll(redis, `${prefix}*`, 1000, (keys) => unlinkAll(redis, keys));
      }
    }
  } finally {
    await redis.quit();
    await pg.end();
    await store.eventStore.close();
  }
};

const redisUsec = (stats: CommandStats): number =>
  [...stats].filter(([name]) => !['info', 'config|resetstat', 'config'].includes(name)).reduce((sum, [, s]) => sum + s.usec, 0);

const top = (stats: CommandStats, events: number): string =>
  [...stats]
    .filter(([name]) => name !== 'info')
    .sort((a, b) => b[1].usec - a[1].usec)
    .slice(0, 5)
    .map(([name, s]) => `${name} ${(s.calls / events).toFixed(2)}/ev ${(s.usec / events).toFixed(1)}us`)
    .join(', ');

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
