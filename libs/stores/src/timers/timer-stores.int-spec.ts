import Redis from 'ioredis';
import { PgSqlClient, quoteIdent } from '@zan/event-store';
import { isolation, testServers } from '../../../../test/support/isolation';
import { describeTimerStoreContract } from '../testing/timer-store.contract';
import { RedisTimerStore } from './redis-timer-store';
import { SqlTimerStore } from './sql-timer-store';

// Red packet expiry timers behave the same on PostgreSQL and on Redis. Real servers, no mocks.
const { databaseUrl, redisUrl } = testServers();
jest.setTimeout(30_000);

describe('timer stores', () => {
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

  describeTimerStoreContract('PostgreSQL', async () => {
    const { pgSchema } = isolation('timers');
    const table = `${quoteIdent(pgSchema)}.timers`;
    await sql.query(`CREATE SCHEMA ${quoteIdent(pgSchema)}`);
    // The v1 table, holding a timer, then the migration: as an existing deployment upgrades.
    await sql.query(`CREATE TABLE ${table} (id text PRIMARY KEY, due_at timestamptz NOT NULL)`);
    const store = new SqlTimerStore(sql, pgSchema);
    await store.migrate();
    await store.migrate();
    return {
      store,
      scheduleAsV1: async (id, dueAt) => void (await sql.query(`INSERT INTO ${table} (id, due_at) VALUES ($1, $2)`, [id, dueAt.toISOString()])),
      dispose: async () => void (await sql.query(`DROP SCHEMA ${quoteIdent(pgSchema)} CASCADE`)),
    };
  });

  describeTimerStoreContract('Redis', async () => {
    const { redisPrefix } = isolation('timers');
    const store = new RedisTimerStore(redis, { prefix: redisPrefix });
    return {
      store,
      scheduleAsV1: async (id, dueAt) => void (await redis.zadd(`${redisPrefix}api:timers`, dueAt.getTime(), id)),
      dispose: async () => void (await redis.del(...store.keys)),
    };
  });
});
