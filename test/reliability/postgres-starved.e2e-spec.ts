import { Client as PgClient } from 'pg';
import { EVENT_STORE, type EventStore } from '@zan/event-store';
import { fundedUser, type Client } from '../support/http-client';
import { auditWhenQuiet } from '../support/quiet-ledger';
import { PrivatePostgres, postgresBin } from '../support/private-postgres';
import { startFullStackInProcess } from '../support/stacks';

/**
 * PostgreSQL refusing work without being down, on a server of the spec's own: the connection limit
 * reached (SQLSTATE 53300, "too many connections"), and statements cancelled by the server's own
 * deadline while a lock held by another session blocks them (57014, statement_timeout). Both are an
 * outage the client waits out: 503 `unavailable` with Retry-After, never a 500 `internal`; /health/ready
 * says so while it lasts; the same Idempotency-Keys take effect exactly once afterwards.
 */
(postgresBin() ? describe : describe.skip)('PostgreSQL starved: connection limit, statements cancelled on a lock', () => {
  let server: PrivatePostgres;
  let admin: PgClient;
  let zan: Awaited<ReturnType<typeof startFullStackInProcess>>;
  let alice: Client;
  let bob: Client;

  /** Every session of the role `zan` ends; the pools reconnect on their next statement. */
  const dropZanSessions = () => admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'zan'`);

  beforeAll(async () => {
    server = new PrivatePostgres();
    server.start();
    admin = new PgClient({ connectionString: server.url() });
    await admin.connect();
    await admin.query(`CREATE ROLE zan LOGIN`);
    await admin.query(`CREATE DATABASE zan OWNER zan`);
    zan = await startFullStackInProcess('pgstarved', { env: { ZAN_EVENT_STORE: server.url('zan', 'zan'), ZAN_PG_CONNECT_TIMEOUT_MS: '2000' } });
    alice = (await fundedUser(zan.app, 'starved-alice', 10_000)).client;
    bob = (await fundedUser(zan.app, 'starved-bob', 0)).client;
  }, 120_000);

  afterAll(async () => {
    await admin?.query(`ALTER ROLE zan CONNECTION LIMIT -1`).catch(() => undefined);
    await admin?.query(`ALTER ROLE zan RESET statement_timeout`).catch(() => undefined);
    await zan?.close().catch(() => undefined);
    await admin?.end().catch(() => undefined);
    server?.destroy();
  }, 60_000);

  /** Money-moving requests under the fault: each answers 503 problem+json with Retry-After. */
  const expectUnavailable = async (requests: Array<() => Promise<{ status: number; headers: Record<string, string>; body: Record<string, unknown> }>>) => {
    for (const send of requests) {
      const response = await send();
      expect({ status: response.status, type: response.body.type }).toEqual({ status: 503, type: 'https://zan.dev/problems/unavailable' });
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.headers['retry-after']).toBe('1');
      expect(JSON.stringify(response.body)).not.toMatch(/at .*\.(ts|js):\d+/); // no stack
    }
  };

  /** Retries each key until it answers 201; every key takes effect once. */
  const retryUntilDone = async (requests: Array<() => Promise<{ status: number; body: Record<string, unknown> }>>) => {
    for (const send of requests) {
      let response = await send();
      for (let i = 0; response.status !== 201 && i < 100; i++) {
        expect([503, 409]).toContain(response.status);
        await new Promise((resolve) => setTimeout(resolve, 100));
        response = await send();
      }
      expect(response.status).toBe(201);
    }
  };

  const fundingsOf = async (userId: string) =>
    (await zan.app.get<EventStore>(EVENT_STORE).readStream(`wallet-${userId}`)).filter((e) => e.type === 'WalletFunded').length;

  it('answers 503 while the role has no connection left, and carries the same keys out once after', async () => {
    const requests = [
      () => alice.post('/v1/wallets/me/fundings', { amount: 300, cardId: `card-${alice.userId}` }, 'limit-funding'),
      () => alice.post('/v1/transfers', { toUserId: bob.userId, amount: 200 }, 'limit-transfer'),
    ];
    await admin.query(`ALTER ROLE zan CONNECTION LIMIT 0`);
    try {
      await dropZanSessions();
      await expectUnavailable(requests);
      const ready = await alice.get('/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.body.error?.eventStore?.status).toBe('down');
    } finally {
      await admin.query(`ALTER ROLE zan CONNECTION LIMIT -1`);
    }
    await retryUntilDone(requests);
    expect(await fundingsOf(alice.userId)).toBe(2);
    expect((await alice.get('/health/ready')).status).toBe(200);
  }, 60_000);

  it('answers 503 while the server cancels statements waiting on a lock (statement_timeout), and carries them out once the lock is gone', async () => {
    await admin.query(`ALTER ROLE zan SET statement_timeout = '1500ms'`);
    await dropZanSessions(); // new sessions take the role's setting
    const schema = zan.env.ZAN_PG_SCHEMA!;
    const holder = new PgClient({ connectionString: server.url('postgres', 'zan') });
    await holder.connect();
    const requests = [
      () => alice.post('/v1/wallets/me/fundings', { amount: 500, cardId: `card-${alice.userId}` }, 'lock-funding'),
      () => alice.post('/v1/transfers', { toUserId: bob.userId, amount: 100 }, 'lock-transfer'),
    ];
    try {
      await holder.query('BEGIN');
      await holder.query(`LOCK TABLE "${schema}".events IN SHARE MODE`); // reads go on, appends wait
      await expectUnavailable(requests);
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }
    await retryUntilDone(requests);
    expect(await fundingsOf(alice.userId)).toBe(3);

    const result = await auditWhenQuiet(zan.app.get<EventStore>(EVENT_STORE), { timeoutMs: 30_000 });
    expect(result.ledger.findings).toEqual([]);
    expect(result.ledger.conservation()).toEqual(expect.objectContaining({ inFlight: 0, holds: true, fundings: 10_000 + 300 + 500, withdrawals: 0 }));
  }, 60_000);
});
