import { domainError } from '../errors';

export class ArticleNotFound extends domainError('article-not-found', 404, 'Article not found') {}
/** Final: an article's author never changes. */
export class ArticleIdTaken extends domainError('article-id-taken', 409, 'Article id taken by another author', true) {}
/** Final: an article's author never changes. */
export class NotTheArticleAuthor extends domainError('not-the-article-author', 422, 'Not the author of this article', true) {}
