export { initialState, evolve, type Article, type ArticleState, type NoArticle } from './article.state';
export { Likers } from './likers';
export { decide, articleDecider, type ArticleCommand, type ArticleEvent } from './article.decider';
export { ArticleIdTaken, ArticleNotFound, NotTheArticleAuthor } from './article.errors';
export { isPublished, requirePublished, requireTippableArticle } from './article.guards';
export { decidePublishArticle, type PublishArticle } from './publish-article';
export { decideLikeArticle, type LikeArticle } from './like-article';
export { decideUnlikeArticle, type UnlikeArticle } from './unlike-article';
