import type { DomainEvent, OrderPlaced } from '@zan/contracts';
import type { Command } from '../decider';
import { requireId, requirePayable } from '../validation';
import type { OrderState } from './order.state';

/** Made from the buyer's OrderPlaced (by the order handler and by the credits process manager): once. */
export type OpenOrder = Command<'OpenOrder', { placed: OrderPlaced }>;

export const decideOpenOrder = ({ data }: OpenOrder, state: OrderState): DomainEvent<'OrderOpened'>[] => {
  const { orderId, productId, merchantId, buyerId, quantity, unitPrice } = data.placed;
  requireId(orderId, 'orderId');
  const amount = requirePayable(data.placed.amount);
  if (state.status !== 'none') return [];
  return [{ type: 'OrderOpened', data: { orderId, productId, merchantId, buyerId, quantity, unitPrice, amount } }];
};
