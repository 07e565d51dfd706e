import { GroupBuyStreams } from '../command-path/group-buy-streams';
import { JoinGroupBuyController } from './join-group-buy/join-group-buy.controller';
import { JoinGroupBuyHandler } from './join-group-buy/join-group-buy.handler';
import { OpenGroupBuyController } from './open-group-buy/open-group-buy.controller';
import { OpenGroupBuyHandler } from './open-group-buy/open-group-buy.handler';
import { ReadGroupBuyController } from './read-group-buy/read-group-buy.controller';

/** What the api module registers for group buys (docs/commerce.md, "Group buys"). */
export const GROUP_BUY_CONTROLLERS = [OpenGroupBuyController, JoinGroupBuyController, ReadGroupBuyController];
export const GROUP_BUY_PROVIDERS = [GroupBuyStreams, OpenGroupBuyHandler, JoinGroupBuyHandler];
