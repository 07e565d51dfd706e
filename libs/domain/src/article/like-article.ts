import type { DomainEvent } from '@zan/contracts';
import type { Command } from '../decider';
import { requireId } from '../validation';
import { requirePublished } from './article.guards';
import type { ArticleState } from './article.state';

/** A like without cash. Anyone may like, the author too (as on WeChat). */
export type LikeArticle = Command<'LikeArticle', { articleId: string; userId: string }>;

/** Once per reader: liking an article you already like is a no-op. */
export const decideLikeArticle = ({ data }: LikeArticle, state: ArticleState): DomainEvent<'ArticleLiked'>[] => {
  const articleId = requireId(data.articleId, 'articleId');
  const userId = requireId(data.userId, 'userId');
  const article = requirePublished(state, articleId);
  if (article.likers.has(userId)) return [];
  return [{ type: 'ArticleLiked', data: { articleId, authorId: article.authorId, userId } }];
};
