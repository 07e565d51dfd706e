import { PraiseTipController } from './praise-tip/praise-tip.controller';
import { PraiseTipHandler } from './praise-tip/praise-tip.handler';
import { ReadEarningsController } from './read-earnings/read-earnings.controller';
import { ReadLeaderboardController } from './read-leaderboard/read-leaderboard.controller';

/** What the api module registers for tips: the tip itself, and the earnings it makes. */
export const TIP_CONTROLLERS = [PraiseTipController, ReadEarningsController, ReadLeaderboardController];
export const TIP_PROVIDERS = [PraiseTipHandler];
