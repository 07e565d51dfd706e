import { domainError } from '../errors';

export class OrderNotFound extends domainError('order-not-found', 404, 'Order not found') {}
/** Final: an order's buyer and merchant never change. */
export class NotYourOrder extends domainError('not-your-order', 403, 'Not your order', true) {}
/** Final: a rating is once per order. */
export class AlreadyRated extends domainError('already-rated', 409, 'Order already rated', true) {}
/** Not final: a refund the merchant could not cover frees its amount again. */
export class RefundExceedsPayment extends domainError('refund-exceeds-payment', 422, 'Refund exceeds what was paid') {}
