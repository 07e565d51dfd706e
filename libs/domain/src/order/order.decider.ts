import type { DomainEvent } from '@zan/contracts';
import { DEFAULT_CONTEXT, type DecideContext, type Decider } from '../decider';
import { InvalidCommand } from '../errors';
import { decideOpenOrder, type OpenOrder } from './open-order';
import { evolve, initialState, type OrderState } from './order.state';
import { decideRateOrder, type RateOrder } from './rate-order';
import { decideReleaseRefund, type ReleaseRefund } from './release-refund';
import { decideRequestRefund, type RequestRefund } from './request-refund';

export type OrderCommand = OpenOrder | RequestRefund | ReleaseRefund | RateOrder;
export type OrderEvent = DomainEvent<'OrderOpened' | 'OrderRefundRequested' | 'OrderRefundReleased' | 'OrderRated'>;

export const decide = (command: OrderCommand, state: OrderState, _context: DecideContext = DEFAULT_CONTEXT): OrderEvent[] => {
  switch (command.type) {
    case 'OpenOrder':
      return decideOpenOrder(command, state);
    case 'RequestRefund':
      return decideRequestRefund(command, state);
    case 'ReleaseRefund':
      return decideReleaseRefund(command, state);
    case 'RateOrder':
      return decideRateOrder(command, state);
    default:
      throw new InvalidCommand(`unknown order command ${(command as { type?: unknown }).type as string}`);
  }
};

export const orderDecider: Decider<OrderCommand, OrderState, OrderEvent> = { initialState, evolve, decide };
