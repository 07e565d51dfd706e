import Redis from 'ioredis';
import { PgSqlClient, quoteIdent } from '@zan/event-store';
import { isolation, testServers } from '../../../../test/support/isolation';
import { describeIdempotencyStoreContract } from '../testing/idempotency-store.contract';
import { RedisIdempotencyStore } from './redis-idempotency.store';
import { SqlIdempotencyStore } from './sql-idempotency.store';
import { IdempotencySweeper } from './idempotency-sweeper';
import { ManualClock, type ZanConfig } from '@zan/platform';

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

  it('PostgreSQL: the sweeper deletes the records past the retention (in batches), keeping the rest and keys still held', async () => {
    const { pgSchema } = isolation('idem-sweep');
    await sql.query(`CREATE SCHEMA ${quoteIdent(pgSchema)}`);
    try {
      const store = new SqlIdempotencyStore(sql, pgSchema);
      await store.migrate();
      const clock = new ManualClock(new Date('2026-01-01T00:00:00Z'));
      const sweeper = new IdempotencySweeper(store, { idempotencyTtlHours: 24 } as ZanConfig, clock, { everyMs: 3_600_000 });
      // 5,200 finished records (more than one delete batch) and one still pending, 25 h old by the sweep.
      await sql.query(
        `INSERT INTO ${quoteIdent(pgSchema)}.idempotency (scope, key, request_hash, state, response, locked_until, created_at)
         SELECT 'alice', 'old-' || i, 'h', 'done', '{}', '2026-01-01T00:00:05Z', '2026-01-01T00:00:00Z' FROM generate_series(1, 5200) AS i`,
      );
      const held = await store.begin('alice', 'held', 'h', 48 * 3600_000, clock.now());
      clock.advance(24 * 3600_000);
      const recent = await store.begin('alice', 'recent', 'h', 5_000, clock.now());
      await store.complete('alice', 'recent', { status: 201, body: {} }, (recent as { lease: number }).lease);
      expect(held.outcome).toBe('started');
      clock.advance(3600_000);

      expect(await sweeper.sweep()).toBe(5_200);
      const { rows } = await sql.query<{ key: string }>(`SELECT key FROM ${quoteIdent(pgSchema)}.idempotency ORDER BY key`);
      expect(rows.map((row) => row.key)).toEqual(['held', 'recent']);
      expect(await sweeper.sweep()).toBe(0);
    } finally {
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
