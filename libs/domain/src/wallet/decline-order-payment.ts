import type { DomainEvent, ProductStockReserved } from '@zan/contracts';
import type { Command } from '../decider';
import { requireId } from '../validation';
import { requireOwnStream, type WalletState } from './wallet.state';

/** The order could not be paid (`reason`: the refusal's problem code); no money moves, its units are released. */
export type DeclineOrderPayment = Command<'DeclineOrderPayment', { reserved: ProductStockReserved; reason: string }>;

export const decideDeclineOrderPayment = ({ data }: DeclineOrderPayment, state: WalletState): DomainEvent<'OrderPaymentDeclined'>[] => {
  const { orderId, productId, merchantId, buyerId, quantity, amount } = data.reserved;
  requireOwnStream(state, requireId(buyerId, 'buyerId'));
  const reason = requireId(data.reason, 'reason');
  return [{ type: 'OrderPaymentDeclined', data: { orderId, productId, merchantId, buyerId, quantity, amount, reason } }];
};
