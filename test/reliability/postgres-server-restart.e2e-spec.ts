import request from 'supertest';
import { createPostgresEventStore, type PostgresEventStore } from '@zan/event-store';
import { RedisReadModelStore } from '@zan/read-models';
import { fundedUser, publishArticle, type Client } from '../support/http-client';
import { type AppProcess, startApp } from '../support/processes';
import { auditWhenQuiet } from '../support/quiet-ledger';
import { PrivatePostgres, postgresBin } from '../support/private-postgres';
import { liveAndReplayed } from '../support/read-model-snapshot';
import { dropIsolated, fullStackEnv } from '../support/stacks';

const LISTENING = /zan api: listening on (http:\/\/127\.0\.0\.1:\d+)/;

/**
 * The server itself stopped and started under a storm of fundings, transfers and tips (the other
 * PostgreSQL specs cut connections through a proxy; here the postmaster goes): once in fast mode
 * (sessions told 57P01, then "the database system is shutting down" / "starting up" to new ones),
 * once in immediate mode (no shutdown, crash recovery at the start). Every request is retried by its
 * key until it is decided. While the server is down the api answers 503 problem+json, never 500, and
 * /health/ready says so; it recovers by itself; every key takes effect once, the audit is clean and
 * the read models equal a replay. The apps run as processes: in jest's sandbox an error of Node's own
 * (ECONNREFUSED) is not an instance of the sandbox's Error, and the api would answer 500.
 */
(postgresBin() ? describe : describe.skip)('PostgreSQL server stopped and started under load', () => {
  let server: PrivatePostgres;
  let env: Record<string, string>;
  const apps: AppProcess[] = [];
  let base = '';
  let pg: PostgresEventStore;
  let live: RedisReadModelStore;

  beforeAll(async () => {
    server = new PrivatePostgres();
    server.start();
    env = { ...fullStackEnv('pgserverrestart'), ZAN_EVENT_STORE: server.url(), ZAN_PG_CONNECT_TIMEOUT_MS: '2000' };
    const api = await startApp('api', env, LISTENING);
    apps.push(api);
    base = LISTENING.exec(api.output())![1]!;
    apps.push(await startApp('relay', env, /relaying from position/));
    apps.push(await startApp('projector', env, /health and metrics on http:/));
    pg = await createPostgresEventStore({ connectionString: server.url(), schema: env.ZAN_PG_SCHEMA });
    live = new RedisReadModelStore({ redis: env.REDIS_URL!, prefix: env.ZAN_REDIS_PREFIX, generationCacheMs: 0 });
  }, 180_000);

  afterAll(async () => {
    await Promise.allSettled(apps.map((app) => app.kill('SIGKILL')));
    await pg?.eventStore.close().catch(() => undefined);
    await live?.close().catch(() => undefined);
    if (env) await dropIsolated(env).catch(() => undefined);
    server?.destroy();
  }, 60_000);

  it('answers 503 while it is down, recovers by itself, and carries every key out once', async () => {
    const users: Client[] = [];
    for (let i = 0; i < 4; i++) users.push((await fundedUser(base, `pgr-${i}`, 50_000)).client);
    await publishArticle(base, 'pgr-0', 'pgr-article');
    const statuses = new Map<number, number>();
    const bad: string[] = [];
    let storming = true;
    const decided = new Map<string, number>();

    const send = (user: Client, i: number) => {
      const other = users[(users.indexOf(user) + 1 + (i % 3)) % users.length]!;
      const key = `${user.userId}-${i}`;
      const kind = i % 3;
      const go = () =>
        kind === 0
          ? user.post('/v1/wallets/me/fundings', { amount: 100, cardId: `card-${user.userId}` }, key)
          : kind === 1
            ? user.post('/v1/transfers', { toUserId: other.userId, amount: 50 }, key)
            : user.post('/v1/tips', { articleId: 'pgr-article', authorId: 'pgr-0', amount: 600 }, key);
      return { key, go, self: user.userId === 'pgr-0' && kind === 2 };
    };
    const storm = Promise.all(
      users.map(async (user) => {
        for (let i = 0; storming || i < 10; i++) {
          const { key, go, self } = send(user, i);
          if (self) continue; // authors do not tip themselves
          for (let attempt = 0; ; attempt++) {
            const response = await go();
            statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
            if (response.status >= 500 && response.status !== 503) bad.push(`${key}: ${response.status} ${JSON.stringify(response.body)}`);
            if (response.status === 503 && !/^application\/problem\+json/.test(response.headers['content-type'] ?? ''))
              bad.push(`${key}: 503 not problem+json`);
            if (response.status < 500 && response.status !== 409) {
              decided.set(key, response.status);
              break;
            }
            if (attempt > 400) throw new Error(`${key} never decided`);
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
        }
      }),
    );

    const readiness: number[] = [];
    const probe = async () => readiness.push((await request(base).get('/health/ready')).status);
    for (const mode of ['fast', 'immediate'] as const) {
      await new Promise((resolve) => setTimeout(resolve, 2000));
      server.stop(mode);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await probe();
      server.start();
    }
    await new Promise((resolve) => setTimeout(resolve, 2000));
    storming = false;
    await storm;
    await probe();
    console.log(`answers: ${JSON.stringify(Object.fromEntries(statuses))}; readiness ${readiness.join(', ')}; ${decided.size} keys decided`);
    expect(bad).toEqual([]);
    expect(statuses.get(503)).toBeGreaterThan(0); // the outage did hit requests
    expect(readiness).toEqual([503, 503, 200]);

    const result = await auditWhenQuiet(pg.eventStore, { timeoutMs: 30_000 });
    expect(result.ledger.findings).toEqual([]);
    expect(result.ledger.conservation()).toEqual(expect.objectContaining({ inFlight: 0, holds: true }));
    const { events, live: projected, replayed } = await liveAndReplayed(pg.eventStore, live, { timeoutMs: 30_000 });
    const perKey = new Map<string, number>();
    for (const event of events) {
      const key = (event.metadata as { idempotencyKey?: string }).idempotencyKey;
      if (key && ['WalletFunded', 'FundsTransferred', 'TipPraised'].includes(event.type)) perKey.set(key, (perKey.get(key) ?? 0) + 1);
    }
    expect([...perKey].filter(([, n]) => n !== 1)).toEqual([]);
    expect([...decided].filter(([key, status]) => status === 201 && !perKey.has(key))).toEqual([]);
    expect(projected).toEqual(replayed);
  }, 120_000);
});
