import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { PgSqlClient, quoteIdent } from '@zan/event-store';
import { MemoryThrottlerStorage, RedisIdempotencyStore, RedisThrottlerStorage, RedisTimerStore, SqlIdempotencyStore, SqlTimerStore } from '@zan/stores';
import { isolation, testServers } from '../../../test/support/isolation';
import { createDurableStores } from './durable-stores';
import { RedisPersonalDataVault, SqlPersonalDataVault } from './kyc/personal-data-vault';
import { loadConfig } from './zan.config';

// The choice of the api's durable stores, on the real PostgreSQL and Redis.
const { databaseUrl, redisUrl } = testServers();
const keys = { masterKey: randomBytes(32), hashKey: randomBytes(32) };
jest.setTimeout(30_000);

describe('createDurableStores', () => {
  let sql: PgSqlClient;
  let redis: Redis;

  beforeAll(() => {
    sql = new PgSqlClient({ connectionString: databaseUrl, poolSize: 2 });
    redis = new Redis(redisUrl);
  });

  afterAll(async () => {
    await sql.close();
    await redis.quit();
  });

  it('beside SQL events: tables in the event store schema, created before use; rate limits in Redis when REDIS_URL is set', async () => {
    const { pgSchema, redisPrefix } = isolation('stores');
    await sql.query(`CREATE SCHEMA ${quoteIdent(pgSchema)}`);
    const config = loadConfig({ ZAN_EVENT_STORE: databaseUrl, ZAN_PG_SCHEMA: pgSchema, REDIS_URL: redisUrl, ZAN_REDIS_PREFIX: redisPrefix });
    const stores = await createDurableStores(config, sql, keys);
    try {
      expect(stores.idempotency).toBeInstanceOf(SqlIdempotencyStore);
      expect(stores.timers).toBeInstanceOf(SqlTimerStore);
      expect(stores.vault).toBeInstanceOf(SqlPersonalDataVault);
      expect(stores.rateLimits).toBeInstanceOf(RedisThrottlerStorage);
      const { rows } = await sql.query<{ table: string }>(`SELECT table_name AS table FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1`, [
        pgSchema,
      ]);
      expect(rows.map((row) => row.table)).toEqual(expect.arrayContaining(['idempotency', 'timers']));
      await stores.timers.schedule('t', new Date('2026-03-01T00:00:00Z'));
      expect(await stores.timers.due(new Date('2026-03-02T00:00:00Z'), 10)).toEqual([{ id: 't', dueAt: new Date('2026-03-01T00:00:00Z') }]);
    } finally {
      await stores.close();
      await sql.query(`DROP SCHEMA ${quoteIdent(pgSchema)} CASCADE`);
    }
  });

  it('lets api replicas start together on a fresh schema: every one migrates, none fails on a CREATE race', async () => {
    const { pgSchema } = isolation('stores');
    await sql.query(`CREATE SCHEMA ${quoteIdent(pgSchema)}`);
    const config = loadConfig({ ZAN_EVENT_STORE: databaseUrl, ZAN_PG_SCHEMA: pgSchema });
    // One connection each, as separate processes have: concurrent CREATE TABLE IF NOT EXISTS of one
    // table fails one of them (duplicate pg_type row) unless the migrations queue.
    const replicas = Array.from({ length: 6 }, () => new PgSqlClient({ connectionString: databaseUrl, poolSize: 1 }));
    try {
      const started = await Promise.allSettled(replicas.map((replica) => createDurableStores(config, replica, keys)));
      for (const result of started) if (result.status === 'fulfilled') await result.value.close();
      expect(started.map((result) => (result.status === 'rejected' ? String(result.reason) : 'started'))).toEqual(replicas.map(() => 'started'));
    } finally {
      await Promise.all(replicas.map((replica) => replica.close()));
      await sql.query(`DROP SCHEMA ${quoteIdent(pgSchema)} CASCADE`);
    }
  });

  it('without REDIS_URL beside SQL events: rate limits counted in memory (one process)', async () => {
    const { pgSchema } = isolation('stores');
    await sql.query(`CREATE SCHEMA ${quoteIdent(pgSchema)}`);
    const stores = await createDurableStores(loadConfig({ ZAN_EVENT_STORE: databaseUrl, ZAN_PG_SCHEMA: pgSchema }), sql, keys);
    try {
      expect(stores.rateLimits).toBeInstanceOf(MemoryThrottlerStorage);
      expect(stores.idempotency).toBeInstanceOf(SqlIdempotencyStore);
    } finally {
      await stores.close();
      await sql.query(`DROP SCHEMA ${quoteIdent(pgSchema)} CASCADE`);
    }
  });

  it('without a SQL database (EventStoreDB): every record in Redis, under the prefix', async () => {
    const { redisPrefix } = isolation('stores');
    const config = loadConfig({ ZAN_EVENT_STORE: 'esdb://127.0.0.1:1?tls=false', REDIS_URL: redisUrl, ZAN_REDIS_PREFIX: redisPrefix });
    const stores = await createDurableStores(config, undefined, keys);
    try {
      expect(stores.idempotency).toBeInstanceOf(RedisIdempotencyStore);
      expect(stores.timers).toBeInstanceOf(RedisTimerStore);
      expect(stores.vault).toBeInstanceOf(RedisPersonalDataVault);
      expect(stores.rateLimits).toBeInstanceOf(RedisThrottlerStorage);
      await stores.timers.schedule('t', new Date('2026-03-01T00:00:00Z'));
      expect(await redis.zscore(`${redisPrefix}api:timers`, 't')).toBe(String(Date.parse('2026-03-01T00:00:00Z')));
    } finally {
      await stores.close();
      const left = await redis.keys(`${redisPrefix}*`);
      if (left.length > 0) await redis.del(...left);
    }
  });

  it('refuses EventStoreDB without Redis: nowhere to keep idempotency records and timers', async () => {
    // loadConfig refuses it too when ZAN_ROLES names the api; here the roles come from PlatformModule.forRoot.
    const config = loadConfig({ ZAN_EVENT_STORE: 'esdb://127.0.0.1:1?tls=false', ZAN_ROLES: 'relay' });
    await expect(createDurableStores(config, undefined, keys)).rejects.toThrow(/REDIS_URL is required with an EventStoreDB event store/);
  });
});
