import { PlaceOrderController } from './place-order/place-order.controller';
import { PlaceOrderHandler } from './place-order/place-order.handler';
import { OrderRefusedUpFront } from './place-order/place-order.refusal';
import { RateOrderController } from './rate-order/rate-order.controller';
import { RateOrderHandler } from './rate-order/rate-order.handler';
import { ReadOrdersController } from './read-orders/read-orders.controller';
import { RefundOrderController } from './refund-order/refund-order.controller';
import { RefundOrderHandler } from './refund-order/refund-order.handler';

/** What the api module registers for orders (the streams and saga steps come with the products). */
export const ORDER_CONTROLLERS = [PlaceOrderController, RefundOrderController, RateOrderController, ReadOrdersController];
export const ORDER_PROVIDERS = [PlaceOrderHandler, OrderRefusedUpFront, RefundOrderHandler, RateOrderHandler];
