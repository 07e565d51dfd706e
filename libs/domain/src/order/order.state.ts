import { isZanEventType, type Fen, type OrderOpened, type OrderRated, type OrderRefundReleased, type OrderRefundRequested } from '@zan/contracts';
import type { EventLike } from '../decider';
import { PersistentSet } from '../persistent-set';

export interface NoOrder {
  status: 'none';
}

/** The state of stream `order-<orderId>`: a paid order, what of it is refunded (or being refunded) and its rating. */
export interface Order {
  status: 'paid';
  orderId: string;
  productId: string;
  merchantId: string;
  buyerId: string;
  quantity: number;
  amount: Fen;
  /** Refunds requested and not released: never more than `amount`. */
  refunded: Fen;
  /**
   * Refunds whose amount was released (declined by the merchant's wallet): a redelivered release
   * changes nothing. A merchant may ask again and again: a persistent set, as copying an array on
   * each release made folding the stream quadratic.
   */
  released: PersistentSet;
  stars?: number;
}

export type OrderState = NoOrder | Order;

export const initialState: OrderState = Object.freeze({ status: 'none' });

export const evolve = (state: OrderState, event: EventLike): OrderState => {
  if (!isZanEventType(event.type)) return state;
  if (event.type === 'OrderOpened') {
    if (state.status !== 'none') return state;
    const { orderId, productId, merchantId, buyerId, quantity, amount } = event.data as OrderOpened;
    return { status: 'paid', orderId, productId, merchantId, buyerId, quantity, amount, refunded: 0, released: PersistentSet.empty };
  }
  if (state.status === 'none') return state;
  switch (event.type) {
    case 'OrderRefundRequested':
      return { ...state, refunded: state.refunded + (event.data as OrderRefundRequested).amount };
    case 'OrderRefundReleased': {
      const { amount, refundId } = event.data as OrderRefundReleased;
      return { ...state, refunded: state.refunded - amount, released: state.released.with(refundId) };
    }
    case 'OrderRated':
      return { ...state, stars: (event.data as OrderRated).stars };
    default:
      return state;
  }
};

export const requireOrder = (state: OrderState, orderId: string, NotFound: new (detail: string) => Error): Order => {
  if (state.status === 'none') throw new NotFound(`no order ${orderId}`);
  return state;
};
