import type { DomainEvent } from '@zan/contracts';
import type { Command } from '../decider';
import { InvalidCommand, NothingToRelease } from '../errors';
import { requireCount, requireId } from '../validation';
import type { ProductState } from './product.state';

/**
 * Compensation of step 1: the order's payment was declined, its units go back (even on a delisted
 * product, so `sold` stays true). Once per order: released again (a redelivered decline) it changes nothing.
 */
export type ReleaseStock = Command<'ReleaseStock', { productId: string; orderId: string; quantity: number; reason: string }>;

export const decideReleaseStock = ({ data }: ReleaseStock, state: ProductState): DomainEvent<'ProductStockReleased'>[] => {
  const productId = requireId(data.productId, 'productId');
  const orderId = requireId(data.orderId, 'orderId');
  const quantity = requireCount(data.quantity, 'quantity');
  const reason = requireId(data.reason, 'reason');
  if (state.status === 'none') throw new NothingToRelease(`no product ${productId} to release units of`);
  if (state.productId !== productId) throw new InvalidCommand(`command for product ${productId} was decided on product ${state.productId}`);
  if (state.released.has(orderId)) return [];
  if (quantity < 1) throw new InvalidCommand('quantity must be at least 1');
  if (quantity > state.sold) throw new NothingToRelease(`cannot release ${quantity} units of ${state.sold} sold`);
  return [{ type: 'ProductStockReleased', data: { productId, merchantId: state.merchantId, orderId, quantity, reason } }];
};
