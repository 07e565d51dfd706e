import Redis from 'ioredis';
import { isolation, testServers } from '../../../../test/support/isolation';
import { describeRateLimitStoreContract } from '../testing/rate-limit-store.contract';
import { RedisThrottlerStorage } from './redis-rate-limit-store';

// Counts shared by every api replica, in a real Redis: no mocks.
const { redisUrl } = testServers();

describe('rate-limit stores', () => {
  let redis: Redis;

  beforeAll(() => {
    redis = new Redis(redisUrl);
  });

  afterAll(async () => {
    await redis.quit();
  });

  describeRateLimitStoreContract('Redis', async () => {
    const { redisPrefix } = isolation('rate');
    return {
      store: new RedisThrottlerStorage(redis, redisPrefix),
      dispose: async () => {
        const keys = await redis.keys(`${redisPrefix}*`);
        if (keys.length > 0) await redis.del(...keys);
      },
    };
  });

  it('keeps its counters under the prefix, expiring with the window', async () => {
    const { redisPrefix } = isolation('rate');
    try {
      await new RedisThrottlerStorage(redis, redisPrefix).increment('money:user:ana', 60_000, 5, 0, 'money');
      expect(await redis.keys(`${redisPrefix}*`)).toEqual([`${redisPrefix}rate:money:money:user:ana`]);
      expect(await redis.pttl(`${redisPrefix}rate:money:money:user:ana`)).toBeGreaterThan(0);
    } finally {
      const keys = await redis.keys(`${redisPrefix}*`);
      if (keys.length > 0) await redis.del(...keys);
    }
  });
});
