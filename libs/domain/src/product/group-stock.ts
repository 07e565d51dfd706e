import type { DomainEvent } from '@zan/contracts';
import type { Command } from '../decider';
import { InvalidCommand } from '../errors';
import { requireCount, requireId } from '../validation';
import { NotTheProductMerchant, ProductGone, ProductNotFound, SoldOut } from './product.errors';
import type { ProductState } from './product.state';

/**
 * A group deal's units, taken when it opens (as many as the group's size): its members' orders are
 * orders of the product, so they come out of its stock like any order's (never oversold). Once per deal.
 */
export type ReserveGroupStock = Command<'ReserveGroupStock', { productId: string; merchantId: string; groupBuyId: string; quantity: number }>;

export const decideReserveGroupStock = ({ data }: ReserveGroupStock, state: ProductState): DomainEvent<'ProductGroupStockReserved'>[] => {
  const productId = requireId(data.productId, 'productId');
  const merchantId = requireId(data.merchantId, 'merchantId');
  const groupBuyId = requireId(data.groupBuyId, 'groupBuyId');
  const quantity = requireCount(data.quantity, 'quantity');
  if (quantity < 1) throw new InvalidCommand('quantity must be at least 1');
  if (state.status === 'none') throw new ProductNotFound(`no product ${productId}`);
  if (state.productId !== productId) throw new InvalidCommand(`command for product ${productId} was decided on product ${state.productId}`);
  if (state.merchantId !== merchantId) throw new NotTheProductMerchant(`product ${productId} is another merchant's`);
  if (state.groupUnits?.[groupBuyId] !== undefined) return [];
  if (state.status === 'delisted') throw new ProductGone(`product ${productId} was delisted`);
  if (state.stock !== null && state.stock < quantity) throw new SoldOut(`${state.stock} units left, ${quantity} needed for the group`);
  const stockLeft = state.stock === null ? null : state.stock - quantity;
  return [{ type: 'ProductGroupStockReserved', data: { productId, merchantId, groupBuyId, quantity, stockLeft } }];
};

/** A failed deal's units go back (even on a delisted product). A deal that took none (or took them from an unlimited stock), or gave them back already: nothing. */
export type ReleaseGroupStock = Command<'ReleaseGroupStock', { productId: string; groupBuyId: string }>;

export const decideReleaseGroupStock = ({ data }: ReleaseGroupStock, state: ProductState): DomainEvent<'ProductGroupStockReleased'>[] => {
  const productId = requireId(data.productId, 'productId');
  const groupBuyId = requireId(data.groupBuyId, 'groupBuyId');
  if (state.status === 'none') return [];
  if (state.productId !== productId) throw new InvalidCommand(`command for product ${productId} was decided on product ${state.productId}`);
  const quantity = state.groupUnits?.[groupBuyId];
  // 0: the deal took its units from an unlimited stock, so no count gets them back.
  if (quantity === undefined || quantity === 0) return [];
  return [{ type: 'ProductGroupStockReleased', data: { productId, merchantId: state.merchantId, groupBuyId, quantity } }];
};
