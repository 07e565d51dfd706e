import type { DomainEvent, OrderRefundRequested } from '@zan/contracts';
import type { Command } from '../decider';
import { requireId } from '../validation';
import { requireOwnStream, type WalletState } from './wallet.state';

/** The merchant's wallet could not cover the refund; no money moves, its amount is released on the order. */
export type DeclineRefund = Command<'DeclineRefund', { requested: OrderRefundRequested; reason: string }>;

export const decideDeclineRefund = ({ data }: DeclineRefund, state: WalletState): DomainEvent<'OrderRefundDeclined'>[] => {
  const { orderId, refundId, merchantId, buyerId, amount } = data.requested;
  requireOwnStream(state, requireId(merchantId, 'merchantId'));
  const reason = requireId(data.reason, 'reason');
  return [{ type: 'OrderRefundDeclined', data: { orderId, refundId, merchantId, buyerId, amount, reason } }];
};
