import type { DomainEvent } from '@zan/contracts';
import type { Command } from '../decider';
import { requireId } from '../validation';
import { requireOwnListing, requireStock } from './product.rules';
import type { ProductState } from './product.state';

/** Sets the units left (null: unlimited), whatever was sold before. */
export type RestockProduct = Command<'RestockProduct', { productId: string; merchantId: string; stock: number | null }>;

export const decideRestockProduct = ({ data }: RestockProduct, state: ProductState): DomainEvent<'ProductRestocked'>[] => {
  const productId = requireId(data.productId, 'productId');
  const merchantId = requireId(data.merchantId, 'merchantId');
  const stock = requireStock(data.stock);
  const product = requireOwnListing(state, productId, merchantId);
  if (product.stock === stock) return [];
  return [{ type: 'ProductRestocked', data: { productId, merchantId, stock } }];
};
