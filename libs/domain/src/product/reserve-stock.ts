import type { DomainEvent, Fen } from '@zan/contracts';
import type { Command } from '../decider';
import { InvalidCommand, NotAMerchant, SelfPayment } from '../errors';
import { requireCount, requireId } from '../validation';
import { PriceChanged, ProductGone, ProductNotFound, SoldOut } from './product.errors';
import { MAX_ORDER_QUANTITY, requirePrice } from './product.rules';
import type { ProductState } from './product.state';

/**
 * Step 1 of an order (the Buy button): the units are taken on the product's stream, at the price the
 * buyer saw. The buyer's debit (OrderPlaced) follows on their wallet, or the units are released.
 * `merchant`: whether the product's merchant is still a verified business wallet, read by the handler
 * at decision time (as a payment by code's); absent where only the product's refusals are asked.
 */
export type ReserveStock = Command<
  'ReserveStock',
  { productId: string; orderId: string; buyerId: string; quantity: number; expectedPrice: Fen; merchant?: boolean }
>;

export const decideReserveStock = ({ data }: ReserveStock, state: ProductState): DomainEvent<'ProductStockReserved'>[] => {
  const productId = requireId(data.productId, 'productId');
  const orderId = requireId(data.orderId, 'orderId');
  const buyerId = requireId(data.buyerId, 'buyerId');
  const quantity = requireCount(data.quantity, 'quantity');
  if (quantity < 1 || quantity > MAX_ORDER_QUANTITY) throw new InvalidCommand(`quantity must be between 1 and ${MAX_ORDER_QUANTITY}`);
  const expectedPrice = requirePrice(data.expectedPrice);
  if (state.status === 'none') throw new ProductNotFound(`no product ${productId}`);
  if (state.productId !== productId) throw new InvalidCommand(`command for product ${productId} was decided on product ${state.productId}`);
  if (state.status === 'delisted') throw new ProductGone(`product ${productId} was delisted`);
  if (state.merchantId === buyerId) throw new SelfPayment('a merchant cannot buy their own product');
  if (state.price !== expectedPrice) throw new PriceChanged(`the price is ${state.price} fen now, not ${expectedPrice}`);
  if (state.stock !== null && state.stock < quantity) throw new SoldOut(`${state.stock} units left, ${quantity} asked for`);
  if (data.merchant === false) throw new NotAMerchant(`${state.merchantId} is no longer a verified business wallet`);
  const amount = state.price * quantity;
  if (!Number.isSafeInteger(amount)) throw new InvalidCommand('quantity x price is too large');
  const stockLeft = state.stock === null ? null : state.stock - quantity;
  return [
    {
      type: 'ProductStockReserved',
      data: { productId, merchantId: state.merchantId, orderId, buyerId, quantity, unitPrice: state.price, amount, stockLeft },
    },
  ];
};
