import { createPostgresEventStore, type PostgresEventStore } from '@zan/event-store';
import { type AppProcess, startApp } from '../support/processes';
import { dropIsolated, fullStackEnv } from '../support/stacks';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';
import { TEST_JWT_SECRET, tokenFor } from '../support/tokens';

const LISTENING = /zan api: listening on (http:\/\/127\.0\.0\.1:\d+)/;

/**
 * The api's connections to PostgreSQL go silent (every byte swallowed, no reset: a partition, a lost
 * NAT entry) while fundings arrive. Without deadlines a query on a silent connection waits for the
 * operating system to give up on the socket (many minutes), holding the request and its pooled
 * connection; once the network heals, the idle pooled connections are still silent. With them, each
 * request gets its answer in bounded time (503, retry with the same key), and after the network
 * heals new connections carry the commands: every key takes effect exactly once.
 */
describe("full stack: the api's PostgreSQL connections go silent", () => {
  const env: Record<string, string> = {
    ...fullStackEnv('pgsilent'),
    ZAN_ROLES: 'api',
    ZAN_RATE_LIMIT_PER_MINUTE: '0',
    ZAN_PG_QUERY_TIMEOUT_MS: '3000',
    ZAN_PG_CONNECT_TIMEOUT_MS: '2000',
  };
  let proxy: TcpProxy;
  let api: AppProcess;
  let base = '';
  let pg: PostgresEventStore;
  const user = 'silo';

  beforeAll(async () => {
    const direct = new URL(env.ZAN_EVENT_STORE!);
    proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
    pg = await createPostgresEventStore({ connectionString: direct.toString(), schema: env.ZAN_PG_SCHEMA });
    const proxied = new URL(direct.toString());
    proxied.host = proxy.address;
    api = await startApp('api', { ...env, ZAN_EVENT_STORE: proxied.toString() }, LISTENING);
    base = LISTENING.exec(api.output())![1]!;
  }, 180_000);

  afterAll(async () => {
    await api?.kill('SIGKILL');
    await proxy?.close();
    await pg?.eventStore.close();
    await dropIsolated(env);
  }, 60_000);

  const post = async (path: string, key: string, body: unknown, waitMs = 30_000): Promise<{ status: number; ms: number }> => {
    const started = Date.now();
    try {
      const response = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${tokenFor(user, TEST_JWT_SECRET)}`, 'Idempotency-Key': key, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(waitMs),
      });
      await response.arrayBuffer();
      return { status: response.status, ms: Date.now() - started };
    } catch {
      return { status: 0, ms: Date.now() - started }; // no answer in waitMs
    }
  };
  const fund = (key: string, amount: number, waitMs?: number) => post('/v1/wallets/me/fundings', key, { amount, cardId: `card-${user}` }, waitMs);
  /** Sends again with the same key until 201 (a 503 or the twin's 409 in between), within `withinMs`. */
  const fundUntilDone = async (key: string, amount: number, withinMs: number): Promise<void> => {
    const deadline = Date.now() + withinMs;
    for (;;) {
      const { status } = await fund(key, amount);
      if (status === 201) return;
      expect([503, 409]).toContain(status);
      if (Date.now() > deadline) throw new Error(`funding ${key} still answered ${status} after ${withinMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  };

  it('answers within its deadline during the silence, and carries out every key once afterwards', async () => {
    expect((await post('/v1/wallets', `open-${user}`, { kind: 'individual' })).status).toBe(201);
    expect((await post('/v1/wallets/me/cards', `card-${user}`, { cardId: `card-${user}`, holderName: 'Silent Tester' })).status).toBe(201);
    // Several at once, so the pool holds several connections when they go silent.
    const before = await Promise.all(Array.from({ length: 6 }, (_, i) => fund(`before-${i}`, 100 + i)));
    expect(before.map((r) => r.status)).toEqual(Array(6).fill(201));

    proxy.silence();
    const during = await Promise.all(Array.from({ length: 4 }, (_, i) => fund(`during-${i}`, 200 + i, 20_000)));
    // Each is answered (no client gave up): a query deadline plus a pool wait, not minutes.
    for (const { status, ms } of during) {
      expect(status).toBe(503);
      expect(ms).toBeLessThan(15_000);
    }

    proxy.restore(); // new connections are let through; the silent ones stay silent
    for (let i = 0; i < 4; i++) await fundUntilDone(`during-${i}`, 200 + i, 30_000);
    // Every pooled connection that went silent is dropped, whether it carries a query or sits idle.
    const after = await Promise.all(Array.from({ length: 12 }, (_, i) => (async () => fundUntilDone(`after-${i}`, 300 + i, 30_000))()));
    expect(after).toHaveLength(12);

    const fundings = (await pg.eventStore.readStream(`wallet-${user}`)).filter((e) => e.type === 'WalletFunded');
    const amounts = fundings.map((e) => (e.data as { amount: number }).amount).sort((a, b) => a - b);
    const expected = [...[0, 1, 2, 3, 4, 5].map((i) => 100 + i), ...[0, 1, 2, 3].map((i) => 200 + i), ...Array.from({ length: 12 }, (_, i) => 300 + i)];
    expect(amounts).toEqual(expected);
  }, 180_000);
});
