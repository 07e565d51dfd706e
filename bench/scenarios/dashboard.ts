/**
 * Scenario: dashboard. How long the dashboard's page takes to load its data with the default range
 * (the last 7 Beijing days) when the read models hold 1,000,000 events.
 *
 * Seeding: a synthetic history (bench/lib/dashboard-history.ts: likes, tips, fundings, withdrawals,
 * transfers, red packets and claims, merchants' sales and refunds over the last 30 days) goes through the projection path in bulk,
 * not through HTTP: a rebuild generation of the Redis read models (`beginRebuild`, `applyInOrder`,
 * the same fast path `zan projections rebuild` takes, every projection included), switched live.
 * Then an api (embedded event store, these Redis read models) serves the admin stats routes, and the
 * page's load is timed as the page does it: its eight requests at once (daily, hourly, top authors,
 * top articles, red-packet luck, merchant sales, money, throughput), from the first sent to the last answered.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@zan/platform';
import { RedisReadModelStore, beijingDay } from '@zan/read-models';
import { createZanApp } from '../../apps/zan/src/zan.app';
import { TEST_JWT_SECRET, tokenFor } from '../../test/support/tokens';
import { dashboardHistory } from '../lib/dashboard-history';
import { serversOf } from '../lib/servers';
import { perSecond, roundMs, spread } from '../lib/stats';
import type { Figure, Scenario } from '../lib/types';

const DAY_MS = 86_400_000;

export const run: Scenario = async (context) => {
  const { scale, log } = context;
  const events = Math.round(1_000_000 * scale);
  const servers = serversOf(context);
  const prefix = `zan-bench-dashboard-${Date.now()}:`;
  // Feeds are not what this measures: kept short so a million events fit a shared Redis.
  const store = new RedisReadModelStore({ redis: servers.redisUrl, prefix, feedLength: 10 });
  const dataDir = mkdtempSync(join(tmpdir(), 'zan-bench-dashboard-'));
  const now = new Date();
  try {
    log(`seeding ${events} events into the read models through a rebuild generation`);
    const seedStart = performance.now();
    const build = await store.beginRebuild();
    let applied = 0;
    let pending: Promise<number> | undefined;
    for (const batch of dashboardHistory({ events, users: 20_000, authors: 2_000, articlesPerAuthor: 5, merchants: 200, days: 30, end: now }, 5_000)) {
      await pending;
      pending = build.applyInOrder(batch);
      applied += batch.length;
      if (applied % 100_000 < batch.length) log(`  ${applied} events`);
    }
    await pending;
    if (!(await build.trySwitch())) throw new Error('the seeded generation did not switch live');
    await build.finish({ retireAfterMs: 0 });
    const seedMs = performance.now() - seedStart;
    const status = await store.status();

    const env = {
      NODE_ENV: 'development',
      ZAN_DATA_DIR: dataDir,
      ZAN_JWT_SECRET: TEST_JWT_SECRET,
      REDIS_URL: servers.redisUrl,
      ZAN_REDIS_PREFIX: prefix,
      ZAN_ROLES: 'api',
      ZAN_QUERY_RATE_LIMIT_PER_MINUTE: '0',
      ZAN_LOG_LEVEL: 'warn',
    };
    const app = await createZanApp({ config: loadConfig(env), roles: ['api'], logger: ['error', 'fatal'] });
    await app.init();
    const server = app.getHttpServer() as Server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const headers = { Authorization: `Bearer ${tokenFor('ops', TEST_JWT_SECRET, { roles: ['admin'] })}` };
    const to = beijingDay(now);
    const from = beijingDay(new Date(now.getTime() - 6 * DAY_MS));
    const range = `from=${from}&to=${to}`;
    const paths = ['daily', 'hourly', 'top-authors', 'top-articles', 'red-packet-luck', 'merchant-sales']
      .map((p) => `/v1/admin/stats/${p}?${range}`)
      .concat(['/v1/admin/stats/money', '/v1/admin/stats/throughput']);
    const load = async (): Promise<{ ms: number; bodies: unknown[] }> => {
      const started = performance.now();
      const bodies = await Promise.all(
        paths.map(async (path) => {
          const response = await fetch(base + path, { headers });
          if (response.status !== 200) throw new Error(`${path}: ${response.status} ${await response.text()}`);
          return response.json();
        }),
      );
      return { ms: performance.now() - started, bodies };
    };
    try {
      for (let i = 0; i < 3; i++) await load();
      const times: number[] = [];
      let last: unknown[] = [];
      for (let i = 0; i < 30; i++) {
        const { ms, bodies } = await load();
        times.push(ms);
        last = bodies;
      }
      const page = spread(times);
      const answerOf = <T>(route: string): T => last[paths.findIndex((path) => path.startsWith(`/v1/admin/stats/${route}`))] as T;
      const daily = answerOf<{ buckets: { events: number }[] }>('daily');
      const money = answerOf<{ difference: number; fundings: number }>('money');
      const sales = answerOf<{ totals: { gross: number; net: number; refundAmount: number } }>('merchant-sales');
      const inRange = daily.buckets.reduce((sum, b) => sum + b.events, 0);
      const figures: Figure[] = [
        {
          key: 'page_load_p50_ms',
          label: `dashboard data load, default range (7 days), p50 (${events} events)`,
          value: roundMs(page.p50),
          unit: 'ms',
          better: 'lower',
          target: 1_000,
        },
        {
          key: 'page_load_p99_ms',
          label: `dashboard data load, default range (7 days), p99 (${events} events)`,
          value: roundMs(page.p99),
          unit: 'ms',
          better: 'lower',
          target: 1_000,
        },
        {
          key: 'seed_events_per_s',
          label: 'aggregates seeded through the rebuild fast path',
          value: perSecond(applied, seedMs),
          unit: 'events/s',
          better: 'higher',
        },
      ];
      return {
        id: 'dashboard',
        title: 'Dashboard data load on a million events',
        setup:
          `${applied} events (20,000 users, 10,000 articles, 200 merchants, 30 days) seeded into Redis read models through a rebuild generation (applyInOrder, every projection) in ${(seedMs / 1000).toFixed(1)} s; ` +
          `an api on them; the page's 8 requests at once for ${from}..${to}, 3 warm-up loads then 30 timed, one after another`,
        figures,
        baselines: [],
        checks: [
          { label: 'every seeded event applied', ok: status.applied === applied, detail: `${status.applied} of ${applied}` },
          { label: 'the money equation adds up', ok: money.difference === 0 && money.fundings > 0, detail: JSON.stringify(money) },
          {
            label: 'merchants sold and refunded in the range',
            ok: sales.totals.gross > 0 && sales.totals.refundAmount > 0 && sales.totals.net === sales.totals.gross - sales.totals.refundAmount,
            detail: JSON.stringify(sales.totals),
          },
          { label: 'the default range holds about a quarter of the history', ok: inRange > applied / 5, detail: `${inRange} events in ${from}..${to}` },
          { label: 'p99 under 1 s', ok: page.p99 < 1_000 },
        ],
        notes: [`load times (ms): p50 ${roundMs(page.p50)}, p99 ${roundMs(page.p99)}, max ${roundMs(page.max)}`],
      };
    } finally {
      await app.close();
    }
  } finally {
    await store.clear().catch(() => undefined);
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
};
