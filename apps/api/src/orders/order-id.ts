import { OrderNotFound } from '@zan/domain';

const ORDER_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** An order id from a path: Zan mints them as lowercase uuids, anything else names no order (404). */
export const requireOrderId = (id: string): string => {
  if (!ORDER_ID.test(id)) throw new OrderNotFound(`no order ${id.slice(0, 64)}`);
  return id;
};
