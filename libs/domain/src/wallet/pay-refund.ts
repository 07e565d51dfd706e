import type { DomainEvent, OrderRefundRequested } from '@zan/contracts';
import type { Command } from '../decider';
import { requireId, requirePayable } from '../validation';
import { requireFunds, requireOwnStream, type WalletState } from './wallet.state';

/**
 * Step 2 of a refund: the merchant's wallet pays the refund reserved on the order's stream. Its balance
 * must cover it (the daily spending limit does not apply: a refund gives money back). Refused, the
 * caller records DeclineRefund under the same event id.
 */
export type PayRefund = Command<'PayRefund', { requested: OrderRefundRequested }>;

export const decidePayRefund = ({ data }: PayRefund, state: WalletState): DomainEvent<'OrderRefunded'>[] => {
  const { orderId, refundId, merchantId, buyerId, reason } = data.requested;
  requireOwnStream(state, requireId(merchantId, 'merchantId'));
  const amount = requirePayable(data.requested.amount);
  requireFunds(state, amount);
  return [{ type: 'OrderRefunded', data: { orderId, refundId, merchantId, buyerId, amount, ...(reason !== undefined && { reason }) } }];
};
