import { praiserMember } from './articles.projection';
import { pagePraisers } from './praisers-page';

/**
 * An unlike leaves its like's member in article-praisers:<id> (the projection cannot remove it),
 * and GET /v1/articles/{id}/praisers skips such members by reading on, 50 at a time, until it has a
 * page. A reader who likes and unlikes N times makes every later praisers query do O(N) reads (on
 * Redis: a ZRANGE and an HMGET per 50), however small `limit` is.
 */
describe('a praisers page costs a bounded number of reads', () => {
  it('does not scan every dead like below the newest standing praiser', async () => {
    const DEAD = 20_000;
    // Oldest first: one standing like by alice (position 1), then mallory's like/unlike churn.
    const members: string[] = [praiserMember(1n, 'like', 'alice', '2026-12-06T00:00:00.000Z', 0)];
    for (let i = 0; i < DEAD; i++) members.push(praiserMember(BigInt(2 + 2 * i), 'like', 'mallory', '2026-12-06T00:00:00.000Z', 0));
    const likes = new Map<string, string>([
      ['alice', '1'],
      ['mallory', '0'], // taken back
    ]);
    let reads = 0;
    const read = async (bound: string | undefined, count: number) => {
      reads++;
      const below = bound === undefined ? members : members.filter((m) => m < bound);
      return below.slice(-count).reverse();
    };
    const page = await pagePraisers(1, undefined, read, async (ids) => ids.map((id) => likes.get(id)));
    // Either the page or the cursor to continue: not 400 round trips for a page of one.
    expect(page.items.length + (page.nextCursor ? 1 : 0)).toBeGreaterThan(0);
    expect(reads).toBeLessThanOrEqual(10);
  });

  it('following the cursors still reaches every standing praiser, newest first', async () => {
    const members: string[] = [praiserMember(1n, 'like', 'alice', '2026-12-06T00:00:00.000Z', 0)];
    for (let i = 0; i < 2_000; i++) members.push(praiserMember(BigInt(2 + 2 * i), 'like', 'mallory', '2026-12-06T00:00:00.000Z', 0));
    members.push(praiserMember(9_999_999n, 'tip', 'bob', '2026-12-06T00:00:00.000Z', 500));
    const likes = new Map<string, string>([
      ['alice', '1'],
      ['mallory', '0'],
    ]);
    const read = async (bound: string | undefined, count: number) => (bound === undefined ? members : members.filter((m) => m < bound)).slice(-count).reverse();
    const seen: string[] = [];
    let before: string | undefined;
    for (let pages = 0; pages < 1_000; pages++) {
      const page = await pagePraisers(1, before, read, async (ids) => ids.map((id) => likes.get(id)));
      seen.push(...page.items.map((item) => item.userId));
      if (!page.nextCursor) break;
      before = page.nextCursor;
    }
    expect(seen).toEqual(['bob', 'alice']);
  });
});
