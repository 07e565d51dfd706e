import { LikeArticleController } from './like-article/like-article.controller';
import { LikeArticleHandler } from './like-article/like-article.handler';
import { PublishArticleController } from './publish-article/publish-article.controller';
import { PublishArticleHandler } from './publish-article/publish-article.handler';
import { ReadArticleController } from './read-article/read-article.controller';
import { UnlikeArticleController } from './unlike-article/unlike-article.controller';
import { UnlikeArticleHandler } from './unlike-article/unlike-article.handler';

/** What the api module registers for articles: a controller and a handler per use case. */
export const ARTICLE_CONTROLLERS = [PublishArticleController, LikeArticleController, UnlikeArticleController, ReadArticleController];
export const ARTICLE_PROVIDERS = [PublishArticleHandler, LikeArticleHandler, UnlikeArticleHandler];
