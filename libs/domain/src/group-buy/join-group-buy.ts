import type { DomainEvent, GroupBuyFundsHeld, GroupBuyMember } from '@zan/contracts';
import type { Command } from '../decider';
import { InvalidCommand } from '../errors';
import { requireId, requireInstant } from '../validation';
import { AlreadyJoined, GroupBuyClosed, GroupBuyFull, GroupBuyNotFound, GroupBuyProductDelisted } from './group-buy.errors';
import { requireSameGroup, type GroupBuy, type GroupBuyState } from './group-buy.state';

/**
 * Step 2 of a join: the buyer's money is held on their wallet (GroupBuyFundsHeld, step 1); the hold
 * joins the group. Refused (full, closed, joined already), the caller records RefuseGroupBuyJoin
 * under the same event id, so a hold joins or is refused (and returned), never both.
 * `holdId` is the GroupBuyFundsHeld event's id; `now` the decision's instant (the deadline);
 * `productDelisted` whether the deal's product was delisted (decided on its stream, for good).
 */
export type JoinGroupBuy = Command<'JoinGroupBuy', { held: GroupBuyFundsHeld; holdId: string; now: string; productDelisted?: boolean }>;

/**
 * The refusals of a join on `state`, in the order a buyer hears them. Also the api's pre-check. A
 * delisted product sells no more, in a group as in an order (410 product-delisted): final, as delisting is.
 */
export const joinRefusal = (state: GroupBuyState, buyerId: string, now: number, productDelisted = false): Error | undefined => {
  if (state.status === 'none') return new GroupBuyNotFound('no such group buy');
  if (state.members.some((member) => member.buyerId === buyerId)) return new AlreadyJoined('you joined this group buy already');
  if (state.status === 'completed' || state.members.length >= state.groupSize) return new GroupBuyFull('the group is full');
  if (state.status !== 'open' || now >= Date.parse(state.expiresAt)) return new GroupBuyClosed('the group buy is over');
  if (productDelisted) return new GroupBuyProductDelisted(`product ${state.productId} was delisted`);
  return undefined;
};

const requireHoldFor = (state: GroupBuy, held: GroupBuyFundsHeld): void => {
  requireSameGroup(state, held.groupBuyId);
  if (held.amount !== state.groupPrice || held.merchantId !== state.merchantId || held.productId !== state.productId) {
    throw new InvalidCommand(`hold of ${held.amount} fen does not match group buy ${state.groupBuyId}`);
  }
};

const memberOf = (held: GroupBuyFundsHeld, holdId: string): GroupBuyMember => ({ buyerId: held.buyerId, joinId: held.joinId, amount: held.amount, holdId });

/** Joins the hold; the member that fills the group completes it in the same decision (one order per member). */
export const decideJoinGroupBuy = ({ data }: JoinGroupBuy, state: GroupBuyState): DomainEvent<'GroupBuyJoined' | 'GroupBuyCompleted'>[] => {
  const holdId = requireId(data.holdId, 'holdId');
  requireId(data.held?.buyerId, 'held.buyerId');
  const now = requireInstant(data.now, 'now');
  const refusal = joinRefusal(state, data.held.buyerId, now, data.productDelisted === true);
  if (refusal) throw refusal;
  const group = state as GroupBuy;
  requireHoldFor(group, data.held);
  if (group.holds.has(holdId)) return [];
  const member = memberOf(data.held, holdId);
  const members = [...group.members, member];
  const joined: DomainEvent<'GroupBuyJoined'> = { type: 'GroupBuyJoined', data: { groupBuyId: group.groupBuyId, ...member, members: members.length } };
  if (members.length < group.groupSize) return [joined];
  const { groupBuyId, productId, merchantId } = group;
  return [joined, { type: 'GroupBuyCompleted', data: { groupBuyId, productId, merchantId, members } }];
};

/** The refused join's record, at the join's event id: its money returns (GroupBuyFundsReturned). */
export type RefuseGroupBuyJoin = Command<'RefuseGroupBuyJoin', { held: GroupBuyFundsHeld; holdId: string; reason: string }>;

export const decideRefuseGroupBuyJoin = ({ data }: RefuseGroupBuyJoin, state: GroupBuyState): DomainEvent<'GroupBuyJoinRefused'>[] => {
  const holdId = requireId(data.holdId, 'holdId');
  const reason = requireId(data.reason, 'reason');
  if (state.status !== 'none' && state.holds.has(holdId)) return [];
  return [{ type: 'GroupBuyJoinRefused', data: { groupBuyId: data.held.groupBuyId, ...memberOf(data.held, holdId), reason } }];
};
