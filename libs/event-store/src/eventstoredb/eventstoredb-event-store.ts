import { randomUUID } from 'node:crypto';
import {
  BACKWARDS,
  END,
  FORWARDS,
  START,
  STREAM_NAME,
  StreamNotFoundError,
  WrongExpectedVersionError,
  streamNameFilter,
  type AllStreamSubscription,
  type KurrentDBClient,
  type PrefixesFilter,
  type RecordedEvent,
} from '@kurrent/kurrentdb-client';
import type { NewEvent, StoredEvent } from '@zan/contracts';
import { assertFromRevision, assertMaxCount, breaksGuard, expectationHolds, validateAppend, validateClaims, validateGuards } from '../append-validation';
import {
  DuplicateEventError,
  StreamChangedError,
  WrongExpectedRevisionError,
  type AppendGuard,
  type AppendOptions,
  type AppendResult,
  type EventStore,
  type ExpectedRevision,
  type ReadAllOptions,
  type ReadStreamOptions,
  type Subscription,
  type SubscriptionOptions,
} from '../event-store.port';
import { startCatchUpSubscription } from '../subscription/catch-up-subscription';
import { Wakeup } from '../subscription/wakeup';
import { KnownEventIds } from './known-event-ids';
import { ZAN_STREAM_PREFIXES, actualRevisionOf, fromRecorded, toEventData, toLogPosition, toStreamState } from './records';

export interface EventStoreDbEventStoreOptions {
  /**
   * Stream name prefixes that are Zan's. readAll, subscriptions and headPosition read $all through a
   * server-side filter on them, so system events and other applications' streams never reach Zan.
   * Default: `wallet-`, `red-packet-`.
   */
  streamPrefixes?: readonly string[];
  /** A caught-up subscription reads again after this long without a live signal (default 500 ms). */
  pollIntervalMs?: number;
  /** Event ids remembered for the duplicate check, across streams (default 200 000). */
  knownIdsLimit?: number;
  /** close() also disposes of the client (the factory hands over its own). */
  ownsClient?: boolean;
}

/** The live signal is restarted this long after it failed (subscriptions poll meanwhile). */
const LIVE_SIGNAL_RETRY_MS = 1000;

/**
 * The EventStore over EventStoreDB / KurrentDB (gRPC, `@kurrent/kurrentdb-client`).
 *
 * - Positions are commit positions of $all (see records.ts); `after` must be a position this store
 *   gave out (an event's, headPosition()) or 0n.
 * - Duplicates: the server only deduplicates a retry at the same expected revision (and, with 'any',
 *   from a bounded cache), and may store an id twice otherwise. So every append first checks the
 *   stream's known ids (reading only its tail), and reads its own events back: a stored append id
 *   other than its own is the server's idempotent answer to an earlier append. Ids are unique per
 *   stream, not across streams.
 * - Subscriptions run the shared catch-up loop over readAll; a filtered live subscription to $all
 *   is only the wake-up signal, and polling covers for it when it is down.
 */
export class EventStoreDbEventStore implements EventStore {
  private readonly prefixes: readonly string[];
  private readonly filter: PrefixesFilter;
  private readonly pollIntervalMs: number;
  private readonly knownIds: KnownEventIds;
  private readonly wakeup = new Wakeup();
  private readonly subscriptions = new Set<Subscription>();
  private live?: AllStreamSubscription;
  private liveRetry?: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly client: KurrentDBClient,
    private readonly options: EventStoreDbEventStoreOptions = {},
  ) {
    this.prefixes = [...(options.streamPrefixes ?? ZAN_STREAM_PREFIXES)];
    if (this.prefixes.length === 0 || this.prefixes.some((prefix) => prefix.length === 0 || prefix.startsWith('$'))) {
      throw new RangeError('streamPrefixes must be non-empty prefixes of non-system streams');
    }
    this.filter = streamNameFilter({ prefixes: [...this.prefixes] });
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.knownIds = new KnownEventIds(options.knownIdsLimit ?? 200_000);
  }

  async append(streamId: string, events: NewEvent[], expected: ExpectedRevision, options?: AppendOptions): Promise<AppendResult> {
    this.assertOpen();
    validateAppend(streamId, events, expected);
    const guards = validateGuards(options);
    validateClaims(options, false); // its idempotency records are not beside its events
    if (events.length === 0) {
      await this.checkGuards(guards);
      return this.checkExpectation(streamId, expected);
    }
    const ids = events.map((event) => event.id.toLowerCase());
    await this.throwIfKnown(streamId, ids);
    await this.checkGuards(guards);

    const appendId = randomUUID();
    let nextExpectedRevision: number;
    try {
      const result = await this.client.appendToStream(
        streamId,
        events.map((event) => toEventData(event, appendId)),
        { streamState: toStreamState(expected) },
      );
      nextExpectedRevision = Number(result.nextExpectedRevision);
    } catch (error) {
      if (!(error instanceof WrongExpectedVersionError)) throw error;
      // A repeat at another revision is refused as a conflict: tell it apart by its ids.
      await this.throwIfKnown(streamId, ids);
      throw new WrongExpectedRevisionError(streamId, expected, actualRevisionOf(error.actualState));
    }
    this.wakeup.notify();

    const written = await this.readRecords(streamId, {
      fromRevision: BigInt(nextExpectedRevision - events.length + 1),
      maxCount: events.length,
      direction: FORWARDS,
    });
    if (written.length !== ids.length || written.some((record, i) => record.event.id !== ids[i])) {
      await this.throwIfKnown(streamId, ids);
      throw new Error(`EventStoreDB acknowledged an append to ${streamId} up to revision ${nextExpectedRevision}, but other events are there`);
    }
    this.knownIds.add(
      streamId,
      written.map((record) => record.event),
    );
    // The server answered an earlier append with the same ids (same expected revision, or 'any').
    if (written.some((record) => record.appendId !== appendId)) throw new DuplicateEventError(ids);
    const stored = written.map((record) => record.event);
    return { nextExpectedRevision, position: stored[stored.length - 1].position, events: stored };
  }

  /**
   * Guards read right before the append: EventStoreDB has no transaction over two streams, so a
   * change landing between this read and the append is missed, as with a read before the decision.
   */
  private async checkGuards(guards: readonly AppendGuard[]): Promise<void> {
    for (const guard of guards) {
      if (breaksGuard(guard, await this.readStream(guard.streamId, { fromRevision: guard.revision + 1 }))) {
        throw new StreamChangedError(guard.streamId, guard.revision);
      }
    }
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<StoredEvent[]> {
    assertFromRevision(options.fromRevision);
    assertMaxCount(options.maxCount);
    const backwards = options.direction === 'backwards';
    const records = await this.readRecords(streamId, {
      fromRevision: options.fromRevision !== undefined ? BigInt(options.fromRevision) : backwards ? END : START,
      maxCount: options.maxCount,
      direction: backwards ? BACKWARDS : FORWARDS,
    });
    return records.map((record) => record.event);
  }

  async readAll(options: ReadAllOptions = {}): Promise<StoredEvent[]> {
    assertMaxCount(options.maxCount);
    return this.readAfter(options.after, options.maxCount);
  }

  subscribeToAll(options: SubscriptionOptions): Subscription {
    this.assertOpen();
    this.startLiveSignal();
    const subscription = startCatchUpSubscription(
      { read: (after, maxCount) => this.readAfter(after, maxCount), wakeup: this.wakeup, pollIntervalMs: this.pollIntervalMs },
      options,
    );
    this.subscriptions.add(subscription);
    void subscription.done.then(() => {
      this.subscriptions.delete(subscription);
      if (this.subscriptions.size === 0) void this.stopLiveSignal();
    });
    return subscription;
  }

  async headPosition(): Promise<bigint | undefined> {
    for await (const resolved of this.client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1, filter: this.filter })) {
      if (resolved.event && this.isZanStream(resolved.event.streamId)) return resolved.event.position.commit;
    }
    return undefined;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((subscription) => subscription.stop()));
    await this.stopLiveSignal();
    if (this.options.ownsClient) await this.client.dispose();
  }

  /** Zan events strictly after `after`, in global order, through the server-side prefix filter. */
  private async readAfter(after: bigint | undefined, maxCount: number | undefined): Promise<StoredEvent[]> {
    const from = after === undefined || after === 0n ? undefined : after;
    const events: StoredEvent[] = [];
    // A read of $all from a position includes the event at it: ask for one more and drop it.
    const reading = this.client.readAll({
      direction: FORWARDS,
      fromPosition: from === undefined ? START : toLogPosition(from),
      maxCount: maxCount === undefined ? undefined : maxCount + (from === undefined ? 0 : 1),
      filter: this.filter,
    });
    for await (const resolved of reading) {
      if (!resolved.event || !this.isZanStream(resolved.event.streamId)) continue;
      const { event } = fromRecorded(resolved.event);
      if (from !== undefined && event.position <= from) continue;
      events.push(event);
      if (maxCount !== undefined && events.length >= maxCount) break;
    }
    return events;
  }

  private async readRecords(
    streamId: string,
    options: { fromRevision: bigint | typeof START | typeof END; maxCount?: number; direction: typeof FORWARDS | typeof BACKWARDS },
  ): Promise<{ event: StoredEvent; appendId?: string }[]> {
    const records: { event: StoredEvent; appendId?: string }[] = [];
    try {
      for await (const resolved of this.client.readStream(streamId, { ...options, requiresLeader: true })) {
        if (resolved.event) records.push(fromRecorded(resolved.event as RecordedEvent));
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    }
    return records;
  }

  /** Reads the stream's tail into the known ids, then refuses the append if any id is in the stream. */
  private async throwIfKnown(streamId: string, ids: readonly string[]): Promise<void> {
    const known = this.knownIds.revisionOf(streamId);
    const tail = await this.readRecords(streamId, { fromRevision: BigInt(known + 1), direction: FORWARDS });
    this.knownIds.add(
      streamId,
      tail.map((record) => record.event),
    );
    const found = this.knownIds.find(streamId, ids);
    if (found.length > 0) throw new DuplicateEventError(found);
  }

  /** An empty append writes nothing, but checks the expectation and answers the stream's head. */
  private async checkExpectation(streamId: string, expected: ExpectedRevision): Promise<AppendResult> {
    const [last] = await this.readRecords(streamId, { fromRevision: END, maxCount: 1, direction: BACKWARDS });
    const actual = last ? last.event.revision : 'no_stream';
    if (!expectationHolds(expected, actual)) throw new WrongExpectedRevisionError(streamId, expected, actual);
    return last
      ? { nextExpectedRevision: last.event.revision, position: last.event.position, events: [] }
      : { nextExpectedRevision: -1, position: 0n, events: [] };
  }

  private isZanStream(streamId: string): boolean {
    return this.prefixes.some((prefix) => streamId.startsWith(prefix));
  }

  /** One filtered live subscription per store, from the end of $all: any Zan event wakes the readers. */
  private startLiveSignal(): void {
    if (this.live || this.closed) return;
    clearTimeout(this.liveRetry);
    const live = this.client.subscribeToAll({
      fromPosition: END,
      filter: { filterOn: STREAM_NAME, prefixes: [...this.prefixes], checkpointInterval: 1000 },
    });
    live.on('data', () => this.wakeup.notify());
    live.on('error', () => {
      if (this.live !== live) return;
      this.live = undefined;
      if (this.closed || this.subscriptions.size === 0) return;
      this.liveRetry = setTimeout(() => this.startLiveSignal(), LIVE_SIGNAL_RETRY_MS);
      this.liveRetry.unref();
    });
    this.live = live;
  }

  private async stopLiveSignal(): Promise<void> {
    clearTimeout(this.liveRetry);
    const live = this.live;
    this.live = undefined;
    await live?.unsubscribe().catch(() => undefined);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('event store is closed');
  }
}
