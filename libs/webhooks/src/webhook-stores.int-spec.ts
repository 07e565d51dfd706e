import Redis from 'ioredis';
import { PgSqlClient, quoteIdent } from '@zan/event-store';
import { isolation, testServers } from '../../../test/support/isolation';
import { RedisWebhookStore } from './redis/redis-webhook-store';
import { SqlWebhookStore } from './sql/sql-webhook-store';
import { describeWebhookStoreContract } from './testing/webhook-store.contract';

// Endpoints, queues, leases and logs behave the same in PostgreSQL and in Redis. Real servers, no mocks.
const { databaseUrl, redisUrl } = testServers();
jest.setTimeout(30_000);

describe('webhook stores', () => {
  let sql: PgSqlClient;

  beforeAll(() => {
    sql = new PgSqlClient({ connectionString: databaseUrl, poolSize: 6 });
  });

  afterAll(async () => {
    await sql.close();
  });

  describeWebhookStoreContract('PostgreSQL', async () => {
    const { pgSchema } = isolation('webhooks');
    await sql.query(`CREATE SCHEMA ${quoteIdent(pgSchema)}`);
    return {
      store: new SqlWebhookStore(sql, pgSchema),
      other: new SqlWebhookStore(sql, pgSchema),
      dispose: async () => void (await sql.query(`DROP SCHEMA ${quoteIdent(pgSchema)} CASCADE`)),
    };
  });

  describeWebhookStoreContract('Redis', async () => {
    const { redisPrefix } = isolation('webhooks');
    const store = new RedisWebhookStore({ redis: redisUrl, prefix: redisPrefix });
    const other = new RedisWebhookStore({ redis: redisUrl, prefix: redisPrefix });
    return {
      store,
      other,
      dispose: async () => {
        const redis = new Redis(redisUrl);
        const keys = await redis.keys(`${redisPrefix}*`);
        if (keys.length > 0) await redis.del(...keys);
        await redis.quit();
        await Promise.all([store.close(), other.close()]);
      },
    };
  });
});
