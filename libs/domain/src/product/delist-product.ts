import type { DomainEvent } from '@zan/contracts';
import type { Command } from '../decider';
import { InvalidCommand } from '../errors';
import { requireId } from '../validation';
import { NotTheProductMerchant, ProductNotFound } from './product.errors';
import type { ProductState } from './product.state';

export type DelistProduct = Command<'DelistProduct', { productId: string; merchantId: string }>;

/** For good; delisting again changes nothing. Orders already paid stay paid and refundable. */
export const decideDelistProduct = ({ data }: DelistProduct, state: ProductState): DomainEvent<'ProductDelisted'>[] => {
  const productId = requireId(data.productId, 'productId');
  const merchantId = requireId(data.merchantId, 'merchantId');
  if (state.status === 'none') throw new ProductNotFound(`no product ${productId}`);
  if (state.productId !== productId) throw new InvalidCommand(`command for product ${productId} was decided on product ${state.productId}`);
  if (state.merchantId !== merchantId) throw new NotTheProductMerchant(`product ${productId} is another merchant's`);
  if (state.status === 'delisted') return [];
  return [{ type: 'ProductDelisted', data: { productId, merchantId } }];
};
