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

/** A stock: null (unlimited) or a safe integer of at least 0. Never negative. */
export const requireStock = (value: unknown): number | null => {
  if (value === null) return null;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    throw new InvalidCommand('stock must be null (unlimited) or an integer of at least 0');
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
