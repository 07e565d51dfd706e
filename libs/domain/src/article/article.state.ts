import { isZanEventType, type ArticleLiked, type ArticlePublished, type ArticleUnliked } from '@zan/contracts';
import type { EventLike } from '../decider';
import { Likers } from './likers';

export interface NoArticle {
  status: 'none';
}

/** The state of stream `article-<articleId>`: who wrote it, and who likes it now. */
export interface Article {
  status: 'published';
  articleId: string;
  authorId: string;
  title: string;
  /** The readers whose like stands (a like is once per reader; an unlike takes it back). */
  likers: Likers;
}

export type ArticleState = NoArticle | Article;

export const initialState: ArticleState = Object.freeze({ status: 'none' });

/** Pure: a new state each time (callers cache states). */
export const evolve = (state: ArticleState, event: EventLike): ArticleState => {
  if (!isZanEventType(event.type)) return state;
  switch (event.type) {
    case 'ArticlePublished': {
      if (state.status !== 'none') return state;
      const { articleId, authorId, title } = event.data as ArticlePublished;
      return { status: 'published', articleId, authorId, title, likers: Likers.empty() };
    }
    case 'ArticleLiked': {
      if (state.status === 'none') return state;
      return { ...state, likers: state.likers.with((event.data as ArticleLiked).userId, true) };
    }
    case 'ArticleUnliked': {
      if (state.status === 'none') return state;
      return { ...state, likers: state.likers.with((event.data as ArticleUnliked).userId, false) };
    }
    default:
      return state;
  }
};
