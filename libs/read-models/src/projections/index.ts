import type { Projection } from '../projection';
import { articlesProjection } from './articles.projection';
import { balancesProjection } from './balances.projection';
import { commerceProjection } from './commerce.projection';
import { earningsProjection } from './earnings.projection';
import { DEFAULT_FEED_LENGTH, feedProjection } from './feed.projection';
import { groupBuysProjection } from './group-buys.projection';
import { redPacketsProjection } from './red-packets.projection';
import { statsProjection } from '../stats/stats.projection';

export * from './articles.projection';
export * from './balances.projection';
export * from './commerce.projection';
export * from './earnings.projection';
export * from './feed.projection';
export * from './group-buys.projection';
export * from './red-packets.projection';
export type { RawHash } from './raw';

export interface ProjectionOptions {
  /** Items kept per user feed, newest first. */
  feedLength?: number;
}

/** Every read model's projection: what each store applies for each event. */
export const createProjections = (options: ProjectionOptions = {}): Projection[] => [
  balancesProjection,
  earningsProjection,
  redPacketsProjection,
  feedProjection(options.feedLength ?? DEFAULT_FEED_LENGTH),
  articlesProjection,
  commerceProjection,
  groupBuysProjection,
  statsProjection,
];
export * from './praisers-page';
