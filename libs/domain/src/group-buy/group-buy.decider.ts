import { DEFAULT_CONTEXT, type DecideContext, type Decider } from '../decider';
import { InvalidCommand } from '../errors';
import { decideExpireGroupBuy, type ExpireGroupBuy } from './expire-group-buy';
import { evolve, initialState, type GroupBuyEvent, type GroupBuyState } from './group-buy.state';
import { decideJoinGroupBuy, decideRefuseGroupBuyJoin, type JoinGroupBuy, type RefuseGroupBuyJoin } from './join-group-buy';
import { decideOpenGroupBuy, type OpenGroupBuy } from './open-group-buy';

/** Every command decided on a `group-buy-<id>` stream. */
export type GroupBuyCommand = OpenGroupBuy | JoinGroupBuy | RefuseGroupBuyJoin | ExpireGroupBuy;

/** Money limits are decided on the buyer's wallet (the hold), so the context is unused here. */
export const decide = (command: GroupBuyCommand, state: GroupBuyState, _context: DecideContext = DEFAULT_CONTEXT): GroupBuyEvent[] => {
  switch (command.type) {
    case 'OpenGroupBuy':
      return decideOpenGroupBuy(command, state);
    case 'JoinGroupBuy':
      return decideJoinGroupBuy(command, state);
    case 'RefuseGroupBuyJoin':
      return decideRefuseGroupBuyJoin(command, state);
    case 'ExpireGroupBuy':
      return decideExpireGroupBuy(command, state);
    default:
      throw new InvalidCommand(`unknown group buy command ${(command as { type?: unknown }).type as string}`);
  }
};

export const groupBuyDecider: Decider<GroupBuyCommand, GroupBuyState, GroupBuyEvent> = { initialState, evolve, decide };
