import type { DomainEvent } from '@zan/contracts';
import type { Command } from '../decider';
import { requireId, requireInstant } from '../validation';
import { GroupBuyNotFound } from './group-buy.errors';
import { requireSameGroup, type GroupBuyState } from './group-buy.state';

/** Sent by the timers at or after expiresAt, any number of times. */
export type ExpireGroupBuy = Command<'ExpireGroupBuy', { groupBuyId: string; now: string }>;

/** Only an open group past its deadline fails, once; a completed or failed one, or an early call, emits nothing. */
export const decideExpireGroupBuy = ({ data }: ExpireGroupBuy, state: GroupBuyState): DomainEvent<'GroupBuyFailed'>[] => {
  const groupBuyId = requireId(data.groupBuyId, 'groupBuyId');
  const now = requireInstant(data.now, 'now');
  if (state.status === 'none') throw new GroupBuyNotFound(`no group buy ${groupBuyId}`);
  requireSameGroup(state, groupBuyId);
  if (state.status !== 'open' || now < Date.parse(state.expiresAt)) return [];
  const { productId, merchantId, members } = state;
  return [{ type: 'GroupBuyFailed', data: { groupBuyId, productId, merchantId, members: [...members] } }];
};
