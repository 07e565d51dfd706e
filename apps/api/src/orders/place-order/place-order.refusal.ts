import { Injectable } from '@nestjs/common';
import { MAX_ORDER_QUANTITY, type DomainError } from '@zan/domain';
import type { CommandRequest } from '../../command-path/command-context';
import { ProductStreams } from '../../command-path/product-streams';
import type { UpFrontRefusal } from '../../http/idempotent-route';
import { PRODUCT_ID } from '../../products/product-id';

/**
 * An order the product refuses on a state the store confirmed moments ago (sold out, another price),
 * refused before its command runs: the flash sale's 9,900 of 10,000 buyers hear this. The answer the
 * handler's first pre-check gives on the same cached state (ProductStreams.refusalWhileFresh).
 */
@Injectable()
export class OrderRefusedUpFront implements UpFrontRefusal {
  constructor(private readonly products: ProductStreams) {}

  refusalOf(request: CommandRequest): DomainError | undefined {
    const body: unknown = request.body;
    // Only a body the route would take as it is: anything else is the route's to answer (400, 404).
    if (!isOrderBody(body)) return undefined;
    const { productId, quantity, expectedPrice } = body;
    // The order's id is not drawn for a refusal: no refusal names it, and an order that passes is thrown away.
    const reserve = {
      type: 'ReserveStock' as const,
      data: { productId, orderId: 'refused-up-front', buyerId: request.raw.principal.userId, quantity, expectedPrice },
    };
    return this.products.refusalWhileFresh(productId, reserve);
  }
}

/** Exactly the three fields PlaceOrderBody validates, each as it validates it, and a product id that names a product. */
export const isOrderBody = (body: unknown): body is { productId: string; quantity: number; expectedPrice: number } => {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  const { productId, quantity, expectedPrice, ...rest } = body as Record<string, unknown>;
  return (
    Object.keys(rest).length === 0 &&
    typeof productId === 'string' &&
    PRODUCT_ID.test(productId) &&
    typeof quantity === 'number' &&
    Number.isInteger(quantity) &&
    quantity >= 1 &&
    quantity <= MAX_ORDER_QUANTITY &&
    typeof expectedPrice === 'number' &&
    Number.isSafeInteger(expectedPrice) &&
    expectedPrice >= 1
  );
};
