/**
 * Idempotency records, scoped per user. A record is `pending` while its command runs (with a lease,
 * so a crashed process's record can be taken over) and `done` with the response to replay.
 */
export interface StoredResponse {
  status: number;
  body: unknown;
}

export type Begin =
  | { outcome: 'started'; createdAt: Date; takenOver: boolean }
  | { outcome: 'replay'; response: StoredResponse }
  | { outcome: 'mismatch' }
  | { outcome: 'in-progress' };

export interface IdempotencyStore {
  begin(scope: string, key: string, requestHash: string, leaseMs: number, now: Date): Promise<Begin>;
  complete(scope: string, key: string, response: StoredResponse): Promise<void>;
  /** Forgets a pending record (the command failed before any effect): the key can be used again. */
  release(scope: string, key: string): Promise<void>;
  /** Deletes records older than the cutoff; returns how many. */
  expire(olderThan: Date): Promise<number>;
}

export const IDEMPOTENCY_STORE = Symbol('IDEMPOTENCY_STORE');
