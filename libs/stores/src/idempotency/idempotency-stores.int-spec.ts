import Redis from 'ioredis';
import { PgSqlClient, quoteIdent } from '@zan/event-store';
import { isolation, testServers } from '../../../../test/support/isolation';
import { describeIdempotencyStoreContract } from '../testing/idempotency-store.contract';
import { RedisIdempotencyStore } from './redis-idempotency-store';
import { SqlIdempotencyStore } from './sql-idempotency-store';

// The same behaviour, proven on both stores the api can run on: PostgreSQL (beside a SQL event store)
// and Redis (beside EventStoreDB). Real servers, no mocks.
const { databaseUrl, redisUrl } = testServers();
jest.setTimeout(30_000);

describe('idempotency stores', () => {
  let sql: PgSqlClient;
  let redis: Redis;

  beforeAll(() => {
    sql = new PgSqlClient({ connectionString: databaseUrl, poolSize: 4 });
    redis = new Redis(redisUrl);
  });

  afterAll(async () => {
    await sql.close();
    await redis.quit();
  });

  describeIdempotencyStoreContract('PostgreSQL', async () => {
    const { pgSchema } = isolation('idem');
    await sql.query(`CREATE SCHEMA ${quoteIdent(pgSchema)}`);
    const store = new SqlIdempotencyStore(sql, pgSchema);
    await store.migrate();
    return { store, dispose: async () => void (await sql.query(`DROP SCHEMA ${quoteIdent(pgSchema)} CASCADE`)) };
  });

  describeIdempotencyStoreContract('Redis', async () => {
    const { redisPrefix } = isolation('idem');
    return { store: new RedisIdempotencyStore(redis, { prefix: redisPrefix, retentionMs: 60_000 }), dispose: () => deleteKeys(redis, redisPrefix) };
  });

  it('PostgreSQL: a completion goes with the next claim, in one statement, and flush() writes one at once', async () => {
    const { pgSchema } = isolation('idem-linger');
    await sql.query(`CREATE SCHEMA ${quoteIdent(pgSchema)}`);
    const statements: string[] = [];
    const counted = new Proxy(sql, {
      get: (target, name, receiver) =>
        name === 'query'
          ? (text: string, params?: unknown[]) => (statements.push(text), target.query(text, params))
          : (Reflect.get(target, name, receiver) as unknown),
    });
    // A linger far longer than the test: the completion of k2 waits for flush(), never for the timer.
    const store = new SqlIdempotencyStore(counted, pgSchema, { completionLingerMs: 600_000 });
    const stateOf = async (key: string) =>
      (await sql.query<{ state: string }>(`SELECT state FROM ${quoteIdent(pgSchema)}.idempotency WHERE key = $1`, [key])).rows[0]?.state;
    try {
      await store.migrate();
      const now = new Date();
      const first = await store.begin('alice', 'k1', 'h1', 30_000, now);
      if (first.outcome !== 'started') throw new Error(first.outcome);
      statements.length = 0;
      const completed = store.complete('alice', 'k1', { status: 201, body: { n: 1 } }, first.lease);
      const second = await store.begin('alice', 'k2', 'h2', 30_000, now);
      expect(second.outcome).toBe('started');
      expect(await completed).toBe(true);
      expect(statements).toHaveLength(1);
      expect(await store.begin('alice', 'k1', 'h1', 30_000, now)).toEqual({ outcome: 'replay', response: { status: 201, body: { n: 1 } } });

      if (second.outcome !== 'started') throw new Error(second.outcome);
      const lingering = store.complete('alice', 'k2', { status: 201, body: { n: 2 } }, second.lease);
      expect(await stateOf('k2')).toBe('pending');
      await store.flush();
      expect(await stateOf('k2')).toBe('done');
      expect(await lingering).toBe(true);
    } finally {
      await sql.query(`DROP SCHEMA ${quoteIdent(pgSchema)} CASCADE`);
    }
  });

  it('PostgreSQL: flush() waits for a completion its timer already sent', async () => {
    const { pgSchema } = isolation('idem-flush');
    await sql.query(`CREATE SCHEMA ${quoteIdent(pgSchema)}`);
    let held: (() => void) | undefined;
    let holding = false;
    const gated = new Proxy(sql, {
      get: (target, name, receiver) =>
        name === 'query'
          ? async (text: string, params?: unknown[]) => {
              if (holding) await new Promise<void>((resolve) => (held = resolve));
              return target.query(text, params);
            }
          : (Reflect.get(target, name, receiver) as unknown),
    });
    const store = new SqlIdempotencyStore(gated, pgSchema, { completionLingerMs: 1 });
    try {
      await store.migrate();
      const begun = await store.begin('alice', 'k', 'h', 30_000, new Date());
      if (begun.outcome !== 'started') throw new Error(begun.outcome);
      holding = true;
      const completed = store.complete('alice', 'k', { status: 201, body: {} }, begun.lease);
      for (let i = 0; i < 200 && !held; i++) await new Promise((resolve) => setTimeout(resolve, 5));
      expect(held).toBeDefined(); // the timer sent the completion, and its statement is held
      let flushed = false;
      const flushing = store.flush().then(() => (flushed = true));
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(flushed).toBe(false);
      holding = false;
      held!();
      await flushing;
      expect(await completed).toBe(true);
      expect((await sql.query<{ state: string }>(`SELECT state FROM ${quoteIdent(pgSchema)}.idempotency WHERE key = 'k'`)).rows[0]?.state).toBe('done');
    } finally {
      holding = false;
      held?.();
      await sql.query(`DROP SCHEMA ${quoteIdent(pgSchema)} CASCADE`);
    }
  });

  it('Redis: lets a record expire on its own after the retention, and keeps its keys under the prefix', async () => {
    const { redisPrefix } = isolation('idem-ttl');
    const store = new RedisIdempotencyStore(redis, { prefix: redisPrefix, retentionMs: 48 * 3600_000 });
    try {
      await store.begin('alice', 'fund:1', 'h', 30_000, new Date('2026-01-01T00:00:00Z'));
      const keys = await redis.keys(`${redisPrefix}*`);
      expect(keys).toEqual([`${redisPrefix}api:idempotency:alice:fund%3A1`]);
      const ttl = await redis.pttl(keys[0]);
      expect(ttl).toBeGreaterThan(47 * 3600_000);
      expect(ttl).toBeLessThanOrEqual(48 * 3600_000);
    } finally {
      await deleteKeys(redis, redisPrefix);
    }
  });
});

const deleteKeys = async (redis: Redis, prefix: string): Promise<void> => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
};
