import type { DomainEvent, Fen } from '@zan/contracts';
import type { Command } from '../decider';
import { InvalidCommand, NothingToRelease } from '../errors';
import { requireId, requirePayable } from '../validation';
import type { OrderState } from './order.state';

/** Compensation of step 1 of a refund: the merchant's wallet declined it, its amount is free again. */
export type ReleaseRefund = Command<'ReleaseRefund', { orderId: string; refundId: string; amount: Fen; reason: string }>;

export const decideReleaseRefund = ({ data }: ReleaseRefund, state: OrderState): DomainEvent<'OrderRefundReleased'>[] => {
  const orderId = requireId(data.orderId, 'orderId');
  const refundId = requireId(data.refundId, 'refundId');
  const amount = requirePayable(data.amount);
  const reason = requireId(data.reason, 'reason');
  if (state.status === 'none') throw new NothingToRelease(`no order ${orderId} to release a refund of`);
  if (state.orderId !== orderId) throw new InvalidCommand(`command for order ${orderId} was decided on order ${state.orderId}`);
  if (state.released.has(refundId)) return [];
  if (amount > state.refunded) throw new NothingToRelease(`cannot release ${amount} fen of ${state.refunded} fen reserved`);
  return [{ type: 'OrderRefundReleased', data: { orderId, refundId, amount, reason } }];
};
