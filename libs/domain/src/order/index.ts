export { initialState, evolve, type NoOrder, type Order, type OrderState } from './order.state';
export { decide, orderDecider, type OrderCommand, type OrderEvent } from './order.decider';
export { AlreadyRated, NotYourOrder, OrderNotFound, RefundExceedsPayment } from './order.errors';
export { decideOpenOrder, type OpenOrder } from './open-order';
export { decideRequestRefund, type RequestRefund } from './request-refund';
export { decideReleaseRefund, type ReleaseRefund } from './release-refund';
export { decideRateOrder, type RateOrder } from './rate-order';
