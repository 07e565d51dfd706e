import { InvalidCommand } from '../errors';
import { requireId } from '../validation';
import { ArticleNotFound, NotTheArticleAuthor } from './article.errors';
import type { Article, ArticleState } from './article.state';

export const requirePublished = (state: ArticleState, articleId: string): Article => {
  if (state.status === 'none') throw new ArticleNotFound(`no article ${articleId}`);
  if (state.articleId !== articleId) throw new InvalidCommand(`command for article ${articleId} was decided on article ${state.articleId}`);
  return state;
};

/**
 * A tip names an article and its author: the article must be published (404) and the author named
 * must be the one who published it (422). Checked on the article's stream before the reader is debited.
 */
export const requireTippableArticle = (state: ArticleState, articleId: string, authorId: string): Article => {
  const article = requirePublished(state, requireId(articleId, 'articleId'));
  if (article.authorId !== requireId(authorId, 'authorId')) {
    throw new NotTheArticleAuthor(`article ${articleId} is by ${article.authorId}, not ${authorId}`);
  }
  return article;
};

/** Once published, an article's author never changes: a cached published state answers a tip's check. */
export const isPublished = (state: ArticleState): boolean => state.status === 'published';
