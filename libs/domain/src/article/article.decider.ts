import type { DomainEvent } from '@zan/contracts';
import { DEFAULT_CONTEXT, type DecideContext, type Decider } from '../decider';
import { InvalidCommand } from '../errors';
import { evolve, initialState, type ArticleState } from './article.state';
import { decideLikeArticle, type LikeArticle } from './like-article';
import { decidePublishArticle, type PublishArticle } from './publish-article';
import { decideUnlikeArticle, type UnlikeArticle } from './unlike-article';

export type ArticleCommand = PublishArticle | LikeArticle | UnlikeArticle;
export type ArticleEvent = DomainEvent<'ArticlePublished' | 'ArticleLiked' | 'ArticleUnliked'>;

/** The article stream's decider. No money moves here, so the limits in the context are unused. */
export const decide = (command: ArticleCommand, state: ArticleState, _context: DecideContext = DEFAULT_CONTEXT): ArticleEvent[] => {
  switch (command.type) {
    case 'PublishArticle':
      return decidePublishArticle(command, state);
    case 'LikeArticle':
      return decideLikeArticle(command, state);
    case 'UnlikeArticle':
      return decideUnlikeArticle(command, state);
    default:
      throw new InvalidCommand(`unknown article command ${(command as { type?: unknown }).type as string}`);
  }
};

export const articleDecider: Decider<ArticleCommand, ArticleState, ArticleEvent> = { initialState, evolve, decide };
