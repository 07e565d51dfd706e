import Redis from 'ioredis';
import { PgSqlClient, quoteIdent } from '@zan/event-store';
import { isolation, testServers } from '../../../../test/support/isolation';
import { describeTimerStoreContract } from '../testing/timer-store.contract';
import { RedisTimerStore } from './redis-timer.store';
import { SqlTimerStore } from './timer.store';

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
    await sql.query(`CREATE SCHEMA ${quoteIdent(pgSchema)}`);
    const store = new SqlTimerStore(sql, pgSchema);
    await store.migrate();
    return { store, dispose: async () => void (await sql.query(`DROP SCHEMA ${quoteIdent(pgSchema)} CASCADE`)) };
  });

  describeTimerStoreContract('Redis', async () => {
    const { redisPrefix } = isolation('timers');
    return { store: new RedisTimerStore(redis, { prefix: redisPrefix }), dispose: async () => void (await redis.del(`${redisPrefix}api:timers`)) };
  });
});
