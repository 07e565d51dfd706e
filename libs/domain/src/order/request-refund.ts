import { REFUND_REASON_MAX_LENGTH, freeTextProblem, type DomainEvent, type Fen } from '@zan/contracts';
import type { Command } from '../decider';
import { InvalidCommand } from '../errors';
import { requireId, requirePayable } from '../validation';
import { NotYourOrder, OrderNotFound, RefundExceedsPayment } from './order.errors';
import { requireOrder, type OrderState } from './order.state';

/**
 * Step 1 of a refund: its amount is reserved against what was paid, so refunds racing each other never
 * sum past it. The merchant's debit (OrderRefunded) follows on their wallet, or the amount is released.
 */
export type RequestRefund = Command<
  'RequestRefund',
  { orderId: string; refundId: string; requestedBy: string; byAdmin: boolean; amount: Fen; reason?: string }
>;

export const decideRequestRefund = ({ data }: RequestRefund, state: OrderState): DomainEvent<'OrderRefundRequested'>[] => {
  const orderId = requireId(data.orderId, 'orderId');
  const refundId = requireId(data.refundId, 'refundId');
  const requestedBy = requireId(data.requestedBy, 'requestedBy');
  const amount = requirePayable(data.amount);
  if (data.reason !== undefined) {
    const problem = typeof data.reason === 'string' ? freeTextProblem(data.reason, REFUND_REASON_MAX_LENGTH) : 'must be a string';
    if (problem !== undefined) throw new InvalidCommand(`reason ${problem}`);
  }
  const order = requireOrder(state, orderId, OrderNotFound);
  if (!data.byAdmin && order.merchantId !== requestedBy) throw new NotYourOrder('only the merchant of the order or an admin refunds it');
  if (order.refunded + amount > order.amount) {
    throw new RefundExceedsPayment(`${order.amount} fen was paid and ${order.refunded} fen refunded: at most ${order.amount - order.refunded} fen more`);
  }
  const { merchantId, buyerId } = order;
  return [
    {
      type: 'OrderRefundRequested',
      data: { orderId, refundId, merchantId, buyerId, amount, requestedBy, ...(data.reason !== undefined && { reason: data.reason }) },
    },
  ];
};
