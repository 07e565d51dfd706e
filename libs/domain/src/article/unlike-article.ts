import type { DomainEvent } from '@zan/contracts';
import type { Command } from '../decider';
import { requireId } from '../validation';
import { requirePublished } from './article.guards';
import type { ArticleState } from './article.state';

export type UnlikeArticle = Command<'UnlikeArticle', { articleId: string; userId: string }>;

/** Takes the reader's like back; without one it is a no-op (DELETE is idempotent), never a refusal. */
export const decideUnlikeArticle = ({ data }: UnlikeArticle, state: ArticleState): DomainEvent<'ArticleUnliked'>[] => {
  const articleId = requireId(data.articleId, 'articleId');
  const userId = requireId(data.userId, 'userId');
  const article = requirePublished(state, articleId);
  if (!article.likers.has(userId)) return [];
  return [{ type: 'ArticleUnliked', data: { articleId, authorId: article.authorId, userId } }];
};
