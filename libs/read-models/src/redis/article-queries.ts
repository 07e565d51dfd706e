import type { RedisClient } from './client';
import { keys } from '../keys';
import { articleView, isStandingLike, pagePraisers } from '../projections';
import { assertLimit } from '../read-model-store.port';
import type { ArticleView, FeedQuery, PraisersPage } from '../views';

/** Logical key -> the Redis key of the generation a query reads. */
type KeyOf = (logical: string) => string;

export const redisArticle = async (redis: RedisClient, keyOf: KeyOf, articleId: string, viewerId: string | undefined): Promise<ArticleView | undefined> => {
  const [hash, like] = await Promise.all([
    redis.hgetall(keyOf(keys.article(articleId))),
    viewerId === undefined ? null : redis.hget(keyOf(keys.articleLikes(articleId)), viewerId),
  ]);
  return articleView(articleId, hash, isStandingLike(like));
};

export const redisPraisers = (redis: RedisClient, keyOf: KeyOf, articleId: string, { limit, before }: FeedQuery): Promise<PraisersPage> => {
  assertLimit(limit);
  const praisers = keyOf(keys.articlePraisers(articleId));
  const likes = keyOf(keys.articleLikes(articleId));
  return pagePraisers(
    limit,
    before,
    (bound, count) => redis.zrange(praisers, bound === undefined ? '+' : `(${bound}`, '-', 'BYLEX', 'REV', 'LIMIT', 0, count),
    async (userIds) => (await redis.hmget(likes, ...userIds)).map((value) => value ?? undefined),
  );
};
