import type { DomainEvent, ProductStockReserved } from '@zan/contracts';
import { DEFAULT_CONTEXT, type Command, type DecideContext } from '../decider';
import { InvalidCommand, SelfPayment, WalletNotFound } from '../errors';
import { requireId, requirePayable } from '../validation';
import { requireWithinLimits } from './limits';
import { requireFunds, requireOwnStream, type WalletState } from './wallet.state';

/**
 * Step 2 of an order: the buyer pays for the units reserved on the product's stream (step 1). Refused
 * (insufficient funds, the spending limits of its tier), the caller records DeclineOrderPayment under the same event
 * id, so an order is paid or declined, never both.
 */
export type PayOrder = Command<'PayOrder', { reserved: ProductStockReserved }>;

export const decidePayOrder = ({ data }: PayOrder, state: WalletState, context: DecideContext = DEFAULT_CONTEXT): DomainEvent<'OrderPlaced'>[] => {
  const { orderId, productId, merchantId, buyerId, quantity, unitPrice } = data.reserved;
  requireId(orderId, 'orderId');
  requireId(buyerId, 'buyerId');
  const amount = requirePayable(data.reserved.amount);
  if (amount !== unitPrice * quantity) throw new InvalidCommand(`an order of ${quantity} x ${unitPrice} fen cannot cost ${amount}`);
  requireOwnStream(state, buyerId);
  if (buyerId === merchantId) throw new SelfPayment('a merchant cannot buy their own product');
  if (!state.exists) throw new WalletNotFound(`${buyerId} has no wallet`);
  requireFunds(state, amount);
  requireWithinLimits(state, amount, context);
  return [{ type: 'OrderPlaced', data: { orderId, productId, merchantId, buyerId, quantity, unitPrice, amount } }];
};
