import type { DomainEvent, Fen } from '@zan/contracts';
import type { Command } from '../decider';
import { requireId } from '../validation';
import { requireOwnListing, requirePrice } from './product.rules';
import type { ProductState } from './product.state';

export type RepriceProduct = Command<'RepriceProduct', { productId: string; merchantId: string; price: Fen }>;

/** The same price again changes nothing. */
export const decideRepriceProduct = ({ data }: RepriceProduct, state: ProductState): DomainEvent<'ProductRepriced'>[] => {
  const productId = requireId(data.productId, 'productId');
  const merchantId = requireId(data.merchantId, 'merchantId');
  const price = requirePrice(data.price);
  const product = requireOwnListing(state, productId, merchantId);
  if (product.price === price) return [];
  return [{ type: 'ProductRepriced', data: { productId, merchantId, price, previousPrice: product.price } }];
};
