export { initialState, evolve, type GroupBuy, type GroupBuyEvent, type GroupBuyState, type NoGroupBuy } from './group-buy.state';
export { decide, groupBuyDecider, type GroupBuyCommand } from './group-buy.decider';
export { decideOpenGroupBuy, MAX_GROUP_SIZE, MIN_GROUP_SIZE, type OpenGroupBuy } from './open-group-buy';
export { decideJoinGroupBuy, decideRefuseGroupBuyJoin, joinRefusal, type JoinGroupBuy, type RefuseGroupBuyJoin } from './join-group-buy';
export { decideExpireGroupBuy, type ExpireGroupBuy } from './expire-group-buy';
export { AlreadyJoined, GroupBuyClosed, GroupBuyFull, GroupBuyIdTaken, GroupBuyNotFound, GroupBuyProductDelisted } from './group-buy.errors';
