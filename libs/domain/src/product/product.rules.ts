import { freeTextProblem, isPayableFen, type Fen } from '@zan/contracts';
import { InvalidCommand } from '../errors';
import { NotTheProductMerchant, ProductGone, ProductNotFound } from './product.errors';
import type { Product, ProductState } from './product.state';

/** Most units one order may take. */
export const MAX_ORDER_QUANTITY = 1000;

export const requirePrice = (value: unknown): Fen => {
  if (!isPayableFen(value)) throw new InvalidCommand('price must be a safe integer count of fen of at least 1');
  return value;
};

/**
 * Most units a stock may be set to (listing or restocking; null is unlimited). Units taken by open group
 * deals and by orders being declined come back on top of whatever stock the merchant set since, so a
 * stock set near 2^53-1 could be pushed past the safe integers (its count then rounds: an order taking
 * a unit leaves the stock unchanged, and the read models refuse the event). A billion leaves room for
 * more reservations than could ever be made.
 */
export const MAX_STOCK = 1_000_000_000;

/** A stock: null (unlimited) or an integer of 0..MAX_STOCK. Never negative. (The HTTP body's check too.) */
export const isStock = (value: unknown): value is number | null =>
  value === null || (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value <= MAX_STOCK);

export const requireStock = (value: unknown): number | null => {
  if (!isStock(value)) throw new InvalidCommand(`stock must be null (unlimited) or an integer of 0..${MAX_STOCK}`);
  return value;
};

export const requireText = (value: unknown, field: string, maxLength: number): string => {
  const problem = typeof value === 'string' ? freeTextProblem(value, maxLength) : 'must be a string';
  if (problem !== undefined) throw new InvalidCommand(`${field} ${problem}`);
  return value as string;
};

/** The product as its merchant changes it: it must exist, be theirs and still be listed. */
export const requireOwnListing = (state: ProductState, productId: string, merchantId: string): Product => {
  if (state.status === 'none') throw new ProductNotFound(`no product ${productId}`);
  if (state.productId !== productId) throw new InvalidCommand(`command for product ${productId} was decided on product ${state.productId}`);
  if (state.merchantId !== merchantId) throw new NotTheProductMerchant(`product ${productId} is another merchant's`);
  if (state.status === 'delisted') throw new ProductGone(`product ${productId} was delisted`);
  return state;
};
