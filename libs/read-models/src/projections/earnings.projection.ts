import { keys } from '../keys';
import { compareBytes } from '../positions';
import { isEventOf, type Projection } from '../projection';
import type { ArticleEarnings, EarningsView, LeaderboardEntry } from '../views';
import { intField, type RawHash } from './raw';

const ARTICLE_TOTAL = 'article-total:';
const ARTICLE_TIPS = 'article-tips:';

/**
 * earnings:<authorId> = { total, tips, article-total:<articleId>, article-tips:<articleId> } and the
 * sorted set leaderboard:authors (member authorId, score total). Counted from TipPraised, the reader's
 * debit, which carries the article.
 */
export const earningsProjection: Projection = {
  name: 'earnings',
  project(event) {
    if (!isEventOf(event, 'TipPraised')) return [];
    const { authorId, articleId, amount } = event.data;
    const key = keys.earnings(authorId);
    return [
      { op: 'hincrby', key, field: 'total', by: amount },
      { op: 'hincrby', key, field: 'tips', by: 1 },
      { op: 'hincrby', key, field: ARTICLE_TOTAL + articleId, by: amount },
      { op: 'hincrby', key, field: ARTICLE_TIPS + articleId, by: 1 },
      { op: 'zincrby', key: keys.authorLeaderboard, member: authorId, by: amount },
    ];
  },
};

export const earningsView = (authorId: string, hash: RawHash): EarningsView => {
  const byArticle: [string, ArticleEarnings][] = [];
  for (const field of Object.keys(hash)) {
    if (!field.startsWith(ARTICLE_TOTAL)) continue;
    const articleId = field.slice(ARTICLE_TOTAL.length);
    byArticle.push([articleId, { total: intField(hash, field), tips: intField(hash, ARTICLE_TIPS + articleId) }]);
  }
  byArticle.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  // fromEntries defines own properties, so an article id like "__proto__" stays data.
  return { authorId, total: intField(hash, 'total'), tips: intField(hash, 'tips'), byArticle: Object.fromEntries(byArticle) };
};

/** Highest total first, ties by authorId ascending in byte order (the order Redis gives members). */
export const compareLeaderboardEntries = (a: LeaderboardEntry, b: LeaderboardEntry): number => b.total - a.total || compareBytes(a.authorId, b.authorId);
