import { MERCHANT_NAME_MAX_LENGTH, PRODUCT_DESCRIPTION_MAX_LENGTH, PRODUCT_TITLE_MAX_LENGTH, type DomainEvent, type Fen } from '@zan/contracts';
import type { Command } from '../decider';
import { requireId } from '../validation';
import { ProductIdTaken } from './product.errors';
import { requirePrice, requireStock, requireText } from './product.rules';
import type { ProductState } from './product.state';

/** A merchant lists a product under a server-minted id. The api checks that the caller is a merchant. */
export type ListProduct = Command<
  'ListProduct',
  { productId: string; merchantId: string; merchantName: string; title: string; price: Fen; stock: number | null; description?: string }
>;

/** Listing again (a retried command) by the same merchant is a no-op; the id is never another's. */
export const decideListProduct = ({ data }: ListProduct, state: ProductState): DomainEvent<'ProductListed'>[] => {
  const productId = requireId(data.productId, 'productId');
  const merchantId = requireId(data.merchantId, 'merchantId');
  const merchantName = requireText(data.merchantName, 'merchantName', MERCHANT_NAME_MAX_LENGTH);
  const title = requireText(data.title, 'title', PRODUCT_TITLE_MAX_LENGTH);
  const description = data.description === undefined ? undefined : requireText(data.description, 'description', PRODUCT_DESCRIPTION_MAX_LENGTH);
  const price = requirePrice(data.price);
  const stock = requireStock(data.stock);
  if (state.status !== 'none') {
    if (state.merchantId !== merchantId) throw new ProductIdTaken(`product ${productId} is another merchant's`);
    return [];
  }
  return [{ type: 'ProductListed', data: { productId, merchantId, merchantName, title, price, stock, ...(description !== undefined && { description }) } }];
};
