import { keys } from '../keys';
import { isEventOf, type Change, type Projection } from '../projection';
import { POSITION_WIDTH, padPosition } from '../positions';
import type { ArticleView, Praiser } from '../views';
import { intField, type RawHash } from './raw';

type PraiseKind = 'like' | 'tip';

/**
 * article:<id> = { articleId, authorId, title, likes, tips, total }; article-likes:<id> maps each
 * reader to the position of the like that stands ('0' once taken back); article-praisers:<id> is a
 * sorted set like a feed (every score 0, member `<position padded>|<JSON [kind, userId, at, amount]>`),
 * so it reads newest first by global position.
 *
 * Order independence: tips come from the wallet topic, likes from the article topic. Tips only add
 * (counters, members); likes are in order within their stream, so the likes hash is last write wins.
 * An unlike cannot know its like's member (the position is not in the event), so the like's member
 * stays and a query shows a like member only while the likes hash still names its position.
 */
export const articlesProjection: Projection = {
  name: 'articles',
  project(event) {
    if (isEventOf(event, 'ArticlePublished')) {
      const { articleId, authorId, title } = event.data;
      return [{ op: 'hset', key: keys.article(articleId), values: { articleId, authorId, title } }];
    }
    if (isEventOf(event, 'ArticleLiked')) {
      const { articleId, userId } = event.data;
      return [
        { op: 'hincrby', key: keys.article(articleId), field: 'likes', by: 1 },
        { op: 'hset', key: keys.articleLikes(articleId), values: { [userId]: event.position.toString(10) } },
        { op: 'zadd', key: keys.articlePraisers(articleId), score: 0, member: praiserMember(event.position, 'like', userId, event.occurredAt, 0) },
      ];
    }
    if (isEventOf(event, 'ArticleUnliked')) {
      const { articleId, userId } = event.data;
      return [
        { op: 'hincrby', key: keys.article(articleId), field: 'likes', by: -1 },
        { op: 'hset', key: keys.articleLikes(articleId), values: { [userId]: '0' } },
      ];
    }
    if (isEventOf(event, 'TipPraised')) {
      const { articleId, readerId, amount } = event.data;
      const changes: Change[] = [
        { op: 'hincrby', key: keys.article(articleId), field: 'tips', by: 1 },
        { op: 'hincrby', key: keys.article(articleId), field: 'total', by: amount },
        { op: 'zadd', key: keys.articlePraisers(articleId), score: 0, member: praiserMember(event.position, 'tip', readerId, event.occurredAt, amount) },
      ];
      return changes;
    }
    return [];
  },
};

export const praiserMember = (position: bigint, kind: PraiseKind, userId: string, at: string, amount: number): string =>
  `${padPosition(position)}|${JSON.stringify([kind, userId, at, amount])}`;

/** A praisers member: a like is shown while its position is the reader's standing like in article-likes. */
export const parsePraiserMember = (member: string): { position: string; kind: PraiseKind; praiser: Praiser } => {
  const [kind, userId, at, amount] = JSON.parse(member.slice(POSITION_WIDTH + 1)) as [PraiseKind, string, string, number];
  return { position: BigInt(member.slice(0, POSITION_WIDTH)).toString(10), kind, praiser: { userId, at, amount } };
};

/** Undefined until the publication is applied (tips counted before it stay in the counters). */
export const articleView = (articleId: string, hash: RawHash, likedByMe: boolean): ArticleView | undefined => {
  if (hash.authorId === undefined) return undefined;
  return {
    articleId,
    authorId: hash.authorId,
    title: hash.title ?? '',
    likes: intField(hash, 'likes'),
    tips: intField(hash, 'tips'),
    total: intField(hash, 'total'),
    likedByMe,
  };
};

/** Whether a likes-hash value is a like that stands. */
export const isStandingLike = (value: string | undefined | null): boolean => value !== undefined && value !== null && value !== '0';
