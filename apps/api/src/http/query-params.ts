import { badRequest } from './validation';

/** A bounded page size from the query string: digits only, 1..max. */
export const pageSize = (value: unknown, fallback: number, max: number, field = 'limit'): number => {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !/^[1-9][0-9]{0,5}$/.test(value) || Number(value) > max) {
    throw badRequest(field, `must be an integer between 1 and ${max}`);
  }
  return Number(value);
};
