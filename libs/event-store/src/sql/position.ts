import { TX_INDEX_LIMIT } from './schema';

const LIMIT = BigInt(TX_INDEX_LIMIT);

/**
 * Global position of an event: transaction_id * 100000 + tx_index. Monotonic in the global read order
 * (transaction_id, tx_index) because a transaction holds fewer than 100000 events.
 */
export const encodePosition = (transactionId: string | bigint, txIndex: number): bigint => BigInt(transactionId) * LIMIT + BigInt(txIndex);

/** The (transaction_id, tx_index) a position stands for; any non-negative bigint decodes. */
export const decodePosition = (position: bigint): { transactionId: string; txIndex: number } => {
  if (position < 0n) throw new RangeError(`position must not be negative: ${position}`);
  return { transactionId: (position / LIMIT).toString(), txIndex: Number(position % LIMIT) };
};
