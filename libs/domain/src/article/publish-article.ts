import { ARTICLE_TITLE_MAX_LENGTH, freeTextProblem, type DomainEvent } from '@zan/contracts';
import type { Command } from '../decider';
import { InvalidCommand } from '../errors';
import { requireId } from '../validation';
import { ArticleIdTaken } from './article.errors';
import type { ArticleState } from './article.state';

/** The caller publishes an article under an id of their choosing and becomes its author. */
export type PublishArticle = Command<'PublishArticle', { articleId: string; authorId: string; title: string }>;

/**
 * Publishing the same id again is a no-op for its author (whatever the title: the first one stays)
 * and a refusal for anyone else: an article's author never changes, tips to it depend on that.
 */
export const decidePublishArticle = ({ data }: PublishArticle, state: ArticleState): DomainEvent<'ArticlePublished'>[] => {
  const articleId = requireId(data.articleId, 'articleId');
  const authorId = requireId(data.authorId, 'authorId');
  const problem = typeof data.title === 'string' ? freeTextProblem(data.title, ARTICLE_TITLE_MAX_LENGTH) : 'must be a string';
  if (problem !== undefined) throw new InvalidCommand(`title ${problem}`);
  if (state.status === 'published') {
    if (state.articleId !== articleId) throw new InvalidCommand(`command for article ${articleId} was decided on article ${state.articleId}`);
    if (state.authorId !== authorId) throw new ArticleIdTaken(`article ${articleId} was published by another author`);
    return [];
  }
  return [{ type: 'ArticlePublished', data: { articleId, authorId, title: data.title } }];
};
