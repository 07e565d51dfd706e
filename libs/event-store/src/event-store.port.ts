import type { NewEvent, StoredEvent } from '@zan/contracts';

/**
 * What an append expects of the stream: an exact revision (of its last event, 0-based),
 * 'no_stream' (must not exist), 'stream_exists', or 'any'. -1 means 'no_stream', so the
 * nextExpectedRevision of an empty append to a missing stream can be passed back as is.
 */
export type ExpectedRevision = number | 'no_stream' | 'stream_exists' | 'any';

export interface AppendResult {
  /** Revision of the last event appended: the expected revision for the next append. */
  nextExpectedRevision: number;
  /** Global position of the last event appended. */
  position: bigint;
  /** The events as stored, in order (empty for an empty append). */
  events: StoredEvent[];
}

/**
 * A fact of another stream an append was decided on: the stream as it was at `revision` (-1: not
 * there). The append is refused (StreamChangedError) when that stream has since got an event of any
 * type but `unless` (those the decision does not depend on: a tip's author may be credited meanwhile,
 * not revoked). It lets a decision use a cached state of another stream without reading it first.
 */
export interface AppendGuard {
  streamId: string;
  revision: number;
  unless: readonly string[];
}

export interface AppendOptions {
  /**
   * Checked with the append: atomically by PostgreSQL, the embedded store and the memory store; by
   * EventStoreDB in a read right before the append (no multi-stream transaction there), so a change
   * in between is the same race as a read before the decision.
   */
  guards?: readonly AppendGuard[];
  /**
   * Idempotency records the append writes in its own transaction, each as `pending` under the lease
   * it names (KeyClaim): the command's key is taken by the very statement that stores its effect, with
   * no round trip of its own before the command. If any key has a record already, nothing is stored
   * (KeyClaimedError); a refused append (wrong revision, broken guard, duplicate) writes no record.
   * PostgreSQL and the embedded store only, into the api's records beside the events
   * (SqlIdempotencyStore's table, which must exist); the other adapters refuse claims.
   */
  claims?: readonly KeyClaim[];
}

/** An idempotency key taken by an append (AppendOptions.claims): its record, as SqlIdempotencyStore keeps it. */
export interface KeyClaim {
  scope: string;
  key: string;
  requestHash: string;
  /** The lease's end, epoch ms: the holder's fencing token, as a claim before the command has. */
  lockedUntil: number;
  createdAt: Date;
}

export interface ReadStreamOptions {
  /** First revision to read (forwards) or last (backwards). Default: the stream's start or end. */
  fromRevision?: number;
  direction?: 'forwards' | 'backwards';
  maxCount?: number;
}

export interface ReadAllOptions {
  /**
   * Read events strictly after this position; undefined (or 0n) reads from the start. It must be a
   * position this store handed out (an event's, headPosition()'s, a checkpoint of one): EventStoreDB
   * positions are log offsets and the server refuses one inside a record.
   */
  after?: bigint;
  maxCount?: number;
  /**
   * The reader never reads the events' metadata (a rebuild's projections read type, stream,
   * revision, position, occurredAt and data): a store may then leave it out of the read and hand
   * every event the same empty, frozen `metadata` (NO_METADATA) instead. Stores that do not save
   * anything by it ignore it. Default false.
   */
  withoutMetadata?: boolean;
}

/** The metadata of events read with `withoutMetadata` (ReadAllOptions): none, and no field to read. */
export const NO_METADATA: StoredEvent['metadata'] = Object.freeze({}) as StoredEvent['metadata'];

export interface SubscriptionOptions {
  /** Deliver events strictly after this position (a stored checkpoint); undefined: from the start. */
  after?: bigint;
  /** Called in global order, one at a time; the next event waits for the returned promise. */
  onEvent: (event: StoredEvent) => Promise<void>;
  /** Called once the subscription has delivered everything stored when it caught up the first time. */
  onCaughtUp?: () => void;
  /** Errors thrown by onEvent, or met while reading, stop the subscription and reach here. */
  onError?: (error: unknown) => void;
  batchSize?: number;
  /**
   * Once caught up, wait this long after a wake-up before reading (default 0): under load, the
   * commits of the next few milliseconds come in one read instead of one read each. Adds at most
   * this much latency.
   */
  lingerMs?: number;
}

export interface Subscription {
  /**
   * Resolves when the subscription has stopped; the event being handled is finished first.
   * From inside onEvent, call it without awaiting (it waits for that very onEvent).
   */
  stop(): Promise<void>;
  /** Resolves when the subscription stops on its own (an error) or is stopped. */
  readonly done: Promise<void>;
}

/** The event store port. Adapters: PostgreSQL, embedded (PGlite), EventStoreDB. */
export interface EventStore {
  /**
   * Appends atomically, or not at all (WrongExpectedRevisionError, DuplicateEventError).
   * An empty list writes nothing but still checks `expected`; it answers the stream's current
   * revision (-1 when missing) and the position of its last event (0n when missing).
   */
  append(streamId: string, events: NewEvent[], expected: ExpectedRevision, options?: AppendOptions): Promise<AppendResult>;
  /** A stream's events by revision; a missing stream reads as []. */
  readStream(streamId: string, options?: ReadStreamOptions): Promise<StoredEvent[]>;
  readAll(options?: ReadAllOptions): Promise<StoredEvent[]>;
  /** Catch-up then live subscription to every event in global order. */
  subscribeToAll(options: SubscriptionOptions): Subscription;
  /** The position of the last event a reader may see now (undefined when the store is empty). */
  headPosition(): Promise<bigint | undefined>;
  /**
   * The position of the newest event committed so far, which readers in global order may not see
   * yet: on SQL, a transaction begun earlier may still commit events before it, and headPosition()
   * stops short of them. What "everything written until now" must wait for (read-your-writes of a
   * reaction). Where the two are the same (memory, EventStoreDB) it is absent: use headPosition().
   */
  latestPosition?(): Promise<bigint | undefined>;
  close(): Promise<void>;
}

/** Named positions of subscribers (the relay, process managers), stored beside the events. */
export interface CheckpointStore {
  load(name: string): Promise<bigint | undefined>;
  save(name: string, position: bigint): Promise<void>;
  /** Forgets a checkpoint (load answers undefined after); deleting a missing one does nothing. */
  delete(name: string): Promise<void>;
}

export class WrongExpectedRevisionError extends Error {
  override readonly name = 'WrongExpectedRevisionError';
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    readonly actual: number | 'no_stream' | 'unknown',
  ) {
    super(`stream ${streamId}: expected revision ${String(expected)}, actual ${String(actual)}`);
  }
}

/**
 * An event with this id is already stored: the append did nothing. The events ARE stored, by an
 * earlier call or by this call's own first attempt whose answer a lost connection swallowed (the
 * SQL store's group commit retries alone after any failure): callers take them as done.
 */
export class DuplicateEventError extends Error {
  override readonly name = 'DuplicateEventError';
  constructor(readonly eventIds: string[]) {
    super(`event already stored: ${eventIds.join(', ')}`);
  }
}

/** A guarded stream changed since the revision the append was decided on (AppendGuard): nothing was appended. */
export class StreamChangedError extends Error {
  override readonly name = 'StreamChangedError';
  constructor(
    readonly streamId: string,
    readonly revision: number,
  ) {
    super(`stream ${streamId} changed after revision ${revision}`);
  }
}

/** A key the append claimed has a record already (AppendOptions.claims): nothing was appended, no record written. */
export class KeyClaimedError extends Error {
  override readonly name = 'KeyClaimedError';
  constructor(
    readonly scope: string,
    readonly key: string,
  ) {
    super(`idempotency key ${JSON.stringify(key)} of ${scope} has a record already`);
  }
}

export const EVENT_STORE = Symbol('EVENT_STORE');
export const CHECKPOINT_STORE = Symbol('CHECKPOINT_STORE');
