import type { DomainEvent } from '@zan/contracts';

export const published = (authorId = 'bob', articleId = 'why-zan', title = '为什么是赞'): DomainEvent<'ArticlePublished'> => ({
  type: 'ArticlePublished',
  data: { articleId, authorId, title },
});
export const liked = (userId: string, articleId = 'why-zan', authorId = 'bob'): DomainEvent<'ArticleLiked'> => ({
  type: 'ArticleLiked',
  data: { articleId, authorId, userId },
});
export const unliked = (userId: string, articleId = 'why-zan', authorId = 'bob'): DomainEvent<'ArticleUnliked'> => ({
  type: 'ArticleUnliked',
  data: { articleId, authorId, userId },
});
