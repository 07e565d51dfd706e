import { isZanEventType, type DomainEvent, type Fen, type GroupBuyJoined, type GroupBuyMember, type GroupBuyOpened } from '@zan/contracts';
import type { EventLike } from '../decider';
import { InvalidCommand } from '../errors';

export interface NoGroupBuy {
  status: 'none';
}

/** The state of stream `group-buy-<groupBuyId>`: the deal, its members (in join order) and the holds it has seen. */
export interface GroupBuy {
  status: 'open' | 'completed' | 'failed';
  groupBuyId: string;
  productId: string;
  merchantId: string;
  groupPrice: Fen;
  groupSize: number;
  expiresAt: string;
  members: readonly GroupBuyMember[];
  /** Every hold decided here (joined or refused): a hold is decided once. */
  holds: ReadonlySet<string>;
}

export type GroupBuyState = NoGroupBuy | GroupBuy;

/** Every event on a group-buy stream. */
export type GroupBuyEvent = DomainEvent<'GroupBuyOpened' | 'GroupBuyJoined' | 'GroupBuyJoinRefused' | 'GroupBuyCompleted' | 'GroupBuyFailed'>;

export const initialState: GroupBuyState = Object.freeze({ status: 'none' });

const memberOf = ({ buyerId, joinId, amount, holdId }: GroupBuyMember): GroupBuyMember => ({ buyerId, joinId, amount, holdId });

/** Pure: a new state each time (callers cache states). */
export const evolve = (state: GroupBuyState, event: EventLike): GroupBuyState => {
  if (!isZanEventType(event.type)) return state;
  switch (event.type) {
    case 'GroupBuyOpened': {
      if (state.status !== 'none') return state;
      const { groupBuyId, productId, merchantId, groupPrice, groupSize, expiresAt } = event.data as GroupBuyOpened;
      return { status: 'open', groupBuyId, productId, merchantId, groupPrice, groupSize, expiresAt, members: [], holds: new Set() };
    }
    case 'GroupBuyJoined': {
      if (state.status === 'none') return state;
      const data = event.data as GroupBuyJoined;
      return { ...state, members: [...state.members, memberOf(data)], holds: new Set([...state.holds, data.holdId]) };
    }
    case 'GroupBuyJoinRefused': {
      if (state.status === 'none') return state;
      return { ...state, holds: new Set([...state.holds, (event.data as GroupBuyMember).holdId]) };
    }
    case 'GroupBuyCompleted':
      return state.status === 'none' ? state : { ...state, status: 'completed' };
    case 'GroupBuyFailed':
      return state.status === 'none' ? state : { ...state, status: 'failed' };
    default:
      return state;
  }
};

/** Guards against a command decided on another group's stream (a caller bug, not a user error). */
export const requireSameGroup = (state: GroupBuy, groupBuyId: string): void => {
  if (state.groupBuyId !== groupBuyId) throw new InvalidCommand(`command for group buy ${groupBuyId} was decided on group buy ${state.groupBuyId}`);
};
