import { ProductNotFound } from '@zan/domain';

export const PRODUCT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A product id from a path: Zan mints them as lowercase uuids, anything else names no product (404). */
export const requireProductId = (id: string): string => {
  if (!PRODUCT_ID.test(id)) throw new ProductNotFound(`no product ${id.slice(0, 64)}`);
  return id;
};
