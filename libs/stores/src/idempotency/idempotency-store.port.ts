/**
 * Idempotency records, scoped per user. A record is `pending` while its command runs (with a lease,
 * so a crashed process's record can be taken over) and `done` with the response to replay.
 */
export interface StoredResponse {
  status: number;
  body: unknown;
}

/**
 * The end of a lease, in epoch ms. It is also the holder's fencing token: a takeover writes a new
 * end, so a request whose lease was taken over can no longer complete, release or abandon the record.
 */
export type Lease = number;

export type Begin =
  | { outcome: 'started'; createdAt: Date; takenOver: boolean; lease: Lease }
  | { outcome: 'replay'; response: StoredResponse }
  | { outcome: 'mismatch' }
  | { outcome: 'in-progress' };

export interface IdempotencyStore {
  begin(scope: string, key: string, requestHash: string, leaseMs: number, now: Date): Promise<Begin>;
  /**
   * Stores a refusal decided before the request ran anything (no pending record, no effect) as the
   * key's answer, unless the key has a record already; answers whether it stored it. When it did not,
   * the caller goes the usual way (begin), which replays that record, finds it mismatched, or waits.
   */
  refuse(scope: string, key: string, requestHash: string, response: StoredResponse, now: Date): Promise<boolean>;
  /**
   * Whether a command's append may take the key instead of `begin` (AppendOptions.claims: the records
   * are a table beside the events, which the event store's appends write). Then `settle` is there too.
   */
  readonly claimsWithEvents?: boolean;
  /**
   * Stores the answer of a request whose key no write took before its command (claimsWithEvents: a
   * refusal it decided, an outcome it found stored) unless the key has another record: inserted as
   * done, or completing the request's own pending record (written under `lease` by an append of it
   * that was refused after all). Answers whether it stored it; when not, the caller goes the usual
   * way (begin), which replays that record, finds it mismatched, or waits. Committed synchronously.
   */
  settle?(scope: string, key: string, requestHash: string, response: StoredResponse, lease: Lease, now: Date): Promise<boolean>;
  /** Stores the answer, if `lease` still holds the pending record; answers whether it did. */
  complete(scope: string, key: string, response: StoredResponse, lease: Lease): Promise<boolean>;
  /** Forgets a pending record (the command failed before any effect): the key can be used again. */
  release(scope: string, key: string, lease: Lease): Promise<void>;
  /**
   * Ends the lease of a pending record whose command failed after it may have taken effect: the next
   * request with the key takes it over at once, as a recovery that looks for the stored outcome first.
   */
  abandon(scope: string, key: string, lease: Lease): Promise<void>;
  /** Writes what the store holds back (completions waiting to go with other writes), if it holds any. */
  flush?(): Promise<void>;
  /** Deletes records older than the cutoff; returns how many. */
  expire(olderThan: Date): Promise<number>;
}

export const IDEMPOTENCY_STORE = Symbol('IDEMPOTENCY_STORE');
