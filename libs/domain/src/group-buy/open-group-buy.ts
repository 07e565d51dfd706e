import type { DomainEvent } from '@zan/contracts';
import type { Command } from '../decider';
import { InvalidCommand } from '../errors';
import { requireCount, requireId, requireInstant, requirePayable } from '../validation';
import { GroupBuyIdTaken } from './group-buy.errors';
import type { GroupBuyState } from './group-buy.state';

export const MIN_GROUP_SIZE = 2;
export const MAX_GROUP_SIZE = 100;

/**
 * A merchant opens a group deal on its product. That the product is listed and the merchant's is
 * decided on the product's stream by the caller, before (the deal copies the product's ids).
 */
export type OpenGroupBuy = Command<
  'OpenGroupBuy',
  { groupBuyId: string; productId: string; merchantId: string; groupPrice: number; groupSize: number; expiresAt: string }
>;

/** Opening the same deal again changes nothing (the id derives from the request). */
export const decideOpenGroupBuy = ({ data }: OpenGroupBuy, state: GroupBuyState): DomainEvent<'GroupBuyOpened'>[] => {
  const groupBuyId = requireId(data.groupBuyId, 'groupBuyId');
  const productId = requireId(data.productId, 'productId');
  const merchantId = requireId(data.merchantId, 'merchantId');
  const groupPrice = requirePayable(data.groupPrice, 'groupPrice');
  const groupSize = requireCount(data.groupSize, 'groupSize');
  if (groupSize < MIN_GROUP_SIZE || groupSize > MAX_GROUP_SIZE)
    throw new InvalidCommand(`groupSize must be ${MIN_GROUP_SIZE}..${MAX_GROUP_SIZE}, got ${groupSize}`);
  requireInstant(data.expiresAt, 'expiresAt');
  if (state.status !== 'none') {
    if (state.groupBuyId === groupBuyId && state.merchantId === merchantId && state.productId === productId) return [];
    throw new GroupBuyIdTaken(`group buy ${groupBuyId} exists`);
  }
  return [{ type: 'GroupBuyOpened', data: { groupBuyId, productId, merchantId, groupPrice, groupSize, expiresAt: data.expiresAt } }];
};
