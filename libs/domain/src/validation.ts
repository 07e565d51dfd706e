import { isPayableFen, type Fen } from '@zan/contracts';
import { AmountOutOfRange, InvalidCommand } from './errors';

const show = (value: unknown): string => (typeof value === 'number' ? String(value) : typeof value);

/** A payment amount: a safe integer of at least 1 fen, never rounded or coerced. */
export const requirePayable = (value: unknown, field = 'amount'): Fen => {
  if (!isPayableFen(value)) throw new InvalidCommand(`${field} must be a safe integer count of fen of at least 1, got ${show(value)}`);
  return value;
};

export const requireAmountWithin = (value: unknown, range: { min: Fen; max: Fen }, what: string): Fen => {
  const amount = requirePayable(value);
  if (amount < range.min || amount > range.max) {
    throw new AmountOutOfRange(`${what} must be between ${range.min} and ${range.max} fen, got ${amount}`);
  }
  return amount;
};

export const requireCount = (value: unknown, field: string): number => {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new InvalidCommand(`${field} must be an integer, got ${show(value)}`);
  return value;
};

export const requireId = (value: unknown, field: string): string => {
  if (typeof value !== 'string' || value.length === 0) throw new InvalidCommand(`${field} must be a non-empty string`);
  return value;
};

export const optionalText = (value: unknown, field: string): string | undefined => {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new InvalidCommand(`${field} must be a string`);
  return value;
};

// An explicit offset is required: Date.parse reads an offset-less time as local time, which would
// make a decision depend on the machine's time zone.
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** An ISO 8601 instant with an offset, as epoch milliseconds. */
export const requireInstant = (value: unknown, field: string): number => {
  const ms = typeof value === 'string' && ISO_INSTANT.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(ms)) throw new InvalidCommand(`${field} must be an ISO 8601 instant with an offset, e.g. 2025-01-01T00:00:00Z`);
  return ms;
};
