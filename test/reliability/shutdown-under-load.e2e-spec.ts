import { Client as PgClient } from 'pg';
import { eventually } from '../support/eventually';
import { ownCardOf } from '../support/identity';
import { type AppProcess, startApp } from '../support/processes';
import { dropIsolated, fullStackEnv } from '../support/stacks';
import { TEST_JWT_SECRET, tokenFor } from '../support/tokens';

interface Funding {
  userId: string;
  key: string;
  amount: number;
  sentAt: number;
  /** 201 with its position, or how it failed (connection refused or reset while stopping). */
  outcome?: { status: number; position?: string } | { error: string };
  doneAt?: number;
}

/**
 * `npm start` (api, relay, projector over PostgreSQL, Kafka, Redis) gets SIGTERM while fundings pour
 * in. It stops taking connections, lets the requests in flight finish, has the relay and projector
 * commit, and exits 0. After a restart every acknowledged funding is in its balance, exactly once;
 * every unacknowledged one is either not there or completed by its retry (same Idempotency-Key), never
 * half-done: no idempotency record is left pending, no funding appears twice.
 */
describe('graceful shutdown under load', () => {
  const env = fullStackEnv('shutdown');
  let zan: AppProcess | undefined;
  const start = async () => {
    zan = await startApp('zan', { ...env, ZAN_RATE_LIMIT_PER_MINUTE: '0' }, /listening on http:\/\/127\.0\.0\.1:\d+/);
    return /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(zan.output())![1]!;
  };
  const users = ['sam', 'tia', 'uma', 'vic'];
  const tokens = new Map(users.map((u) => [u, tokenFor(u, TEST_JWT_SECRET)]));
  const post = (base: string, userId: string, path: string, body: object, key?: string) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${tokens.get(userId)}`,
        'Content-Type': 'application/json',
        ...(key && { 'Idempotency-Key': key }),
        Connection: 'close',
      },
      body: JSON.stringify(body),
    });

  afterAll(async () => {
    await zan?.kill();
    await dropIsolated(env);
  }, 60_000);

  it('finishes what it acknowledged, half-does nothing, and loses nothing across a restart', async () => {
    let base = await start();
    for (const user of users) {
      expect((await post(base, user, '/v1/wallets', { kind: 'individual' })).status).toBe(201);
      expect((await post(base, user, '/v1/wallets/me/cards', ownCardOf(user))).status).toBe(201);
    }

    const fundings: Funding[] = [];
    let signalledAt = Infinity;
    let next = 0;
    // 16 clients fund in a loop until the server goes away; SIGTERM once 60 fundings are acknowledged.
    const client = async (): Promise<void> => {
      for (;;) {
        const i = next++;
        const funding: Funding = { userId: users[i % users.length]!, key: `fund-${i}`, amount: 100 + i, sentAt: Date.now() };
        fundings.push(funding);
        try {
          const response = await post(
            base,
            funding.userId,
            '/v1/wallets/me/fundings',
            { amount: funding.amount, cardId: `card-${funding.userId}` },
            funding.key,
          );
          const body = (await response.json()) as { position?: string };
          funding.outcome = { status: response.status, position: body.position };
        } catch (error) {
          funding.outcome = { error: String((error as { cause?: { code?: string } }).cause?.code ?? error) };
        }
        funding.doneAt = Date.now();
        if ('error' in funding.outcome || funding.outcome.status !== 201) return;
        if (fundings.filter((f) => f.outcome && 'status' in f.outcome && f.outcome.status === 201).length >= 60 && signalledAt === Infinity) {
          signalledAt = Date.now();
          zan!.child.kill('SIGTERM');
        }
      }
    };
    await Promise.all(Array.from({ length: 16 }, client));
    await eventually('the process to exit', async () => zan!.child.exitCode !== null, 30_000);
    expect(zan!.child.exitCode).toBe(0);
    expect(zan!.output()).toMatch(/"msg":"stopped"/);

    const acknowledged = fundings.filter((f) => f.outcome && 'status' in f.outcome && f.outcome.status === 201);
    const unacknowledged = fundings.filter((f) => !acknowledged.includes(f));
    // Requests in flight at the signal were finished, not cut off; the rest were refused, not failed mid-way.
    expect(acknowledged.filter((f) => f.sentAt < signalledAt && f.doneAt! > signalledAt).length).toBeGreaterThan(0);
    for (const f of unacknowledged) expect(f.outcome).toEqual({ error: expect.stringMatching(/ECONNREFUSED|ECONNRESET|UND_ERR_SOCKET/) });

    // Nothing half-done in the store: no idempotency record left pending, no funding twice.
    const pg = new PgClient({ connectionString: env.ZAN_EVENT_STORE });
    await pg.connect();
    try {
      const pending = await pg.query(`SELECT key FROM "${env.ZAN_PG_SCHEMA}".idempotency WHERE state = 'pending'`);
      expect(pending.rows).toEqual([]);
    } finally {
      await pg.end();
    }

    // Restart: every acknowledged funding is in its balance, exactly once.
    base = await start();
    const last = acknowledged.map((f) => BigInt((f.outcome as { position: string }).position)).reduce((a, b) => (a > b ? a : b));
    const balance = async (userId: string, after: bigint) => {
      const response = await fetch(`${base}/v1/wallets/me?after=${after}`, { headers: { Authorization: `Bearer ${tokens.get(userId)}` } });
      expect(response.status).toBe(200);
      return ((await response.json()) as { balance: number }).balance;
    };
    const sum = (list: Funding[], userId: string) => list.filter((f) => f.userId === userId).reduce((total, f) => total + f.amount, 0);
    for (const user of users) expect(await balance(user, last)).toBe(sum(acknowledged, user));

    // Retried with the same keys, the unacknowledged fundings happen once each.
    let retriedLast = last;
    for (const f of unacknowledged) {
      const response = await post(base, f.userId, '/v1/wallets/me/fundings', { amount: f.amount, cardId: `card-${f.userId}` }, f.key);
      expect(response.status).toBe(201);
      const position = BigInt(((await response.json()) as { position: string }).position);
      if (position > retriedLast) retriedLast = position;
    }
    for (const user of users) expect(await balance(user, retriedLast)).toBe(sum(fundings, user));
  }, 180_000);
});
