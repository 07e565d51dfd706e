import { Workload } from '../testing/workload';
import { compareLeaderboardEntries, earningsProjection, earningsView } from './earnings.projection';

describe('earnings projection', () => {
  it('counts a tip for the author, the article and the leaderboard', () => {
    const [praised, received] = new Workload().tip('reader', 'author', 'art:1', 700).events;
    expect(earningsProjection.project(praised)).toEqual([
      { op: 'hincrby', key: 'earnings:author', field: 'total', by: 700 },
      { op: 'hincrby', key: 'earnings:author', field: 'tips', by: 1 },
      { op: 'hincrby', key: 'earnings:author', field: 'article-total:art:1', by: 700 },
      { op: 'hincrby', key: 'earnings:author', field: 'article-tips:art:1', by: 1 },
      { op: 'zincrby', key: 'leaderboard:authors', member: 'author', by: 700 },
    ]);
    // The credit on the author's wallet is the same tip: counted once.
    expect(earningsProjection.project(received)).toEqual([]);
  });

  it('ignores every other event', () => {
    const events = new Workload().open('a').fund('a', 5).transfer('a', 'b', 1).sendRedPacket('a', 'rp', 5, 1).events;
    expect(events.flatMap((e) => earningsProjection.project(e))).toEqual([]);
  });

  it('reads totals per author and per article, zeros for nobody', () => {
    expect(earningsView('nobody', {})).toEqual({ authorId: 'nobody', total: 0, tips: 0, byArticle: {} });
    const view = earningsView('author', {
      total: '1200',
      tips: '3',
      'article-total:b': '200',
      'article-tips:b': '1',
      'article-total:a:x': '1000',
      'article-tips:a:x': '2',
      'article-total:__proto__': '0',
      'article-tips:__proto__': '0',
    });
    expect(view).toEqual({
      authorId: 'author',
      total: 1200,
      tips: 3,
      byArticle: { 'a:x': { total: 1000, tips: 2 }, b: { total: 200, tips: 1 }, ['__proto__']: { total: 0, tips: 0 } },
    });
    expect(Object.getPrototypeOf(view.byArticle)).toBe(Object.prototype);
    expect(Object.keys(view.byArticle)).toEqual(['__proto__', 'a:x', 'b']);
  });

  it('ranks by total, then authorId', () => {
    const entries = [
      { authorId: 'b', total: 5, tips: 1 },
      { authorId: 'a', total: 5, tips: 1 },
      { authorId: 'c', total: 9, tips: 1 },
    ];
    expect(entries.sort(compareLeaderboardEntries).map((e) => e.authorId)).toEqual(['c', 'a', 'b']);
  });
});
