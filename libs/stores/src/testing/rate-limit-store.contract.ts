import { randomUUID } from 'node:crypto';
import type { RateLimitStore } from '../rate-limits/rate-limit-store.port';

export interface RateLimitStoreSubject {
  store: RateLimitStore;
  dispose(): Promise<void>;
}

/** What the api's rate-limit guard relies on, for every rate-limit store. `factory` runs before each test. */
export const describeRateLimitStoreContract = (name: string, factory: () => Promise<RateLimitStoreSubject>): void => {
  describe(`RateLimitStore contract: ${name}`, () => {
    let subject: RateLimitStoreSubject;
    let store: RateLimitStore;

    beforeEach(async () => {
      subject = await factory();
      store = subject.store;
    });

    afterEach(async () => {
      await subject?.dispose();
    });

    it('counts the hits of a key in its window and blocks past the limit, until the window ends', async () => {
      const key = `money:user:${randomUUID()}`;
      const hits = [];
      for (let i = 0; i < 4; i++) hits.push(await store.increment(key, 60_000, 3, 0, 'money'));
      expect(hits.map((hit) => [hit.totalHits, hit.isBlocked])).toEqual([
        [1, false],
        [2, false],
        [3, false],
        [4, true],
      ]);
      for (const hit of hits) expect(hit.timeToExpire).toBeGreaterThanOrEqual(1);
      expect(hits[3]!.timeToBlockExpire).toBe(hits[3]!.timeToExpire);
      expect(hits[0]!.timeToBlockExpire).toBe(0);
    });

    it('keeps keys and throttlers apart', async () => {
      const user = randomUUID();
      await store.increment(`money:user:${user}`, 60_000, 1, 0, 'money');
      expect((await store.increment(`money:user:${user}`, 60_000, 1, 0, 'money')).isBlocked).toBe(true);
      expect((await store.increment(`queries:user:${user}`, 60_000, 1, 0, 'queries')).totalHits).toBe(1);
      expect((await store.increment(`money:user:${randomUUID()}`, 60_000, 1, 0, 'money')).totalHits).toBe(1);
    });

    it('counts concurrent hits exactly', async () => {
      const key = `money:user:${randomUUID()}`;
      const hits = await Promise.all(Array.from({ length: 25 }, () => store.increment(key, 60_000, 20, 0, 'money')));
      expect(hits.map((hit) => hit.totalHits).sort((a, b) => a - b)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
      expect(hits.filter((hit) => hit.isBlocked)).toHaveLength(5);
    });
  });
};
