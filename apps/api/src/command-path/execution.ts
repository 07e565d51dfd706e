import type { DomainEvent, EventMetadata, StoredEvent } from '@zan/contracts';
import type { KeyClaim } from '@zan/event-store';

/** What the runner needs of a decider to rebuild a stream's state. */
export interface StateFolder<S> {
  initialState: S;
  evolve: (state: S, event: { type: string; data: unknown }) => S;
}

/** A stream's state as of its last event. */
export interface Loaded<S> {
  state: S;
  /** Revision of the last event, -1 when the stream does not exist. */
  revision: number;
  /** Global position of the last event, undefined when the stream does not exist. */
  position?: bigint;
}

/** Another stream's facts a command is decided on (Execution.guardedFacts). */
export interface GuardedFacts<F> {
  streamId: string;
  folder: StateFolder<F>;
  /** The event types that never change these facts: the append is not refused for them. */
  unless: readonly string[];
  /** Takes the facts into the command, before each decision of it. */
  use: (state: F) => void;
}

/** One command on one stream, as the command runner takes it. */
export interface Execution<S> {
  /** The command's type, for metrics and traces (FundWallet, CreditWallet, ...). */
  command?: string;
  streamId: string;
  folder: StateFolder<S>;
  /** `now`: the time of this decision, the very instant its events record as `occurredAt`. */
  decide: (state: S, now: Date) => DomainEvent[];
  metadata: EventMetadata;
  /** Deterministic event ids make a retried command a duplicate instead of a second effect. */
  eventId?: (index: number) => string;
  /** The time of the decision when the caller read it already (a command carrying it); else the runner reads the clock once. */
  now?: Date;
  /**
   * Reads the facts of other streams the decision depends on (a tip's author's eligibility) into the
   * command, right before each decision of it: one made after waiting in the stream's lane, or made
   * again after a conflict, is made on those facts as they are then, not as they were at the first.
   */
  readFacts?: () => Promise<void>;
  /**
   * Facts of other streams the decision depends on, taken without a read from this process's state
   * of the stream while the store confirmed it moments ago (StreamStateCache.fresh), and checked by
   * the append itself (AppendGuard): if the stream got an event since, of a type not in `unless`,
   * nothing is appended and the command is decided again on the stream read afresh. A refusal
   * decided on cached facts is decided again on facts read afresh too.
   */
  guardedFacts?: GuardedFacts<any>[]; // eslint-disable-line @typescript-eslint/no-explicit-any -- each fact has its own stream's state
  /**
   * Refusals that stand on a cached state the store confirmed within moments (StreamStateCache.fresh)
   * without being decided again on the stored one: sold out at stock 0, a changed price. What they risk
   * is another process's write of the last few hundred milliseconds (a restock, a release), seen on the
   * next read; what they save is a read per batch under a crowd that cannot win.
   */
  standsWhileFresh?: (error: unknown, state: S) => boolean;
  /**
   * The request's idempotency key, claimed by the append that stores this command's events
   * (AppendOptions.claims) instead of by a write before the command: `taken` once one did. An append
   * refused because the key has a record already (KeyClaimedError) is the caller's to answer from it.
   */
  claim?: KeyClaim & { tried?: boolean; taken?: boolean };
}

/** What a command did: the events it appended (none for a no-op) and the stream's state after them. */
export interface Executed<S> {
  events: StoredEvent[];
  state: S;
  revision: number;
  /** Position of the last event appended, or of the stream's last event when nothing was appended. */
  position?: bigint;
}

/** A command's position as its answer carries it: a decimal string, `?after=` of a read. */
export const positionOf = (executed: { position?: bigint }): string => (executed.position ?? 0n).toString();

/**
 * The id `field` of the command's stored `type` event, else `computed`. A retry taken over from an
 * attempt left in flight answers what that attempt stored, and an attempt made before command ids
 * named the request (a Zan v1 one: legacyEventIdsOf) stored ids derived from its own command id.
 */
export const storedIdOf = (executed: { events: readonly StoredEvent[] }, type: string, field: string, computed: string): string => {
  const id = (executed.events.find((event) => event.type === type)?.data as Record<string, unknown> | undefined)?.[field];
  return typeof id === 'string' ? id : computed;
};
