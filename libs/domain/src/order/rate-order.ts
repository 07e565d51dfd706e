import type { DomainEvent } from '@zan/contracts';
import type { Command } from '../decider';
import { InvalidCommand } from '../errors';
import { requireCount, requireId } from '../validation';
import { AlreadyRated, NotYourOrder, OrderNotFound } from './order.errors';
import { requireOrder, type OrderState } from './order.state';

/** The buyer rates a paid order, once: 1 to 5 stars. */
export type RateOrder = Command<'RateOrder', { orderId: string; buyerId: string; stars: number }>;

export const decideRateOrder = ({ data }: RateOrder, state: OrderState): DomainEvent<'OrderRated'>[] => {
  const orderId = requireId(data.orderId, 'orderId');
  const buyerId = requireId(data.buyerId, 'buyerId');
  const stars = requireCount(data.stars, 'stars');
  if (stars < 1 || stars > 5) throw new InvalidCommand('stars must be between 1 and 5');
  const order = requireOrder(state, orderId, OrderNotFound);
  if (order.buyerId !== buyerId) throw new NotYourOrder('only the buyer rates an order');
  if (order.stars !== undefined) throw new AlreadyRated(`order ${orderId} was rated ${order.stars} stars already`);
  const { productId, merchantId } = order;
  return [{ type: 'OrderRated', data: { orderId, productId, merchantId, buyerId, stars } }];
};
