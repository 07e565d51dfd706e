import { badRequest } from './validation';

/** A bounded page size from the query string: digits only, 1..max. */
export const pageSize = (value: unknown, fallback: number, max: number, field = 'limit'): number => {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !/^[1-9][0-9]{0,5}$/.test(value) || Number(value) > max) {
    throw badRequest(field, `must be an integer between 1 and ${max}`);
  }
  return Number(value);
};

/** The `?after=` of every query over the read models (articles' own say less: no credits follow theirs). */
export const AFTER =
  'A position from a command answer: wait (up to 5 s, else 503 with Retry-After) until the read models have applied it, and at a transfer, tip, red packet or claim the credits and escrow that follow it';
/** The `?after=` parameter as OpenAPI documents it on every query over the read models: `@ApiQuery(AFTER_QUERY)`. */
export const AFTER_QUERY = { name: 'after', required: false, type: String, description: AFTER, example: '74800000' };
/** Problems of every query over the read models. */
export const READ_PROBLEMS = ['unauthorized', 'validation', 'read-model-behind'];
