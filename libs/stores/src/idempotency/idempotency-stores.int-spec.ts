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
