import { currentVersion, upcast, type EventMetadata, type NewEvent, type StoredEvent } from '@zan/contracts';
import {
  DuplicateEventError,
  StreamChangedError,
  WrongExpectedRevisionError,
  type AppendOptions,
  type AppendResult,
  type CheckpointStore,
  type EventStore,
  type ExpectedRevision,
  type ReadAllOptions,
  type ReadStreamOptions,
  type Subscription,
  type SubscriptionOptions,
} from '../event-store.port';
import { assertFromRevision, assertMaxCount, breaksGuard, expectationHolds, validateAppend, validateClaims, validateGuards } from '../append-validation';
import { startCatchUpSubscription } from '../subscription/catch-up-subscription';
import { Wakeup } from '../subscription/wakeup';

/** An event as kept: the version it was written at, payloads copied so no caller can change them. */
interface Record {
  id: string;
  type: string;
  version: number;
  streamId: string;
  revision: number;
  position: bigint;
  occurredAt: string;
  data: string;
  metadata: string;
}

const toStored = (record: Record): StoredEvent => {
  const current = upcast(record.type, record.version, JSON.parse(record.data));
  return {
    id: record.id,
    type: record.type,
    version: current.version,
    streamId: record.streamId,
    revision: record.revision,
    position: record.position,
    occurredAt: record.occurredAt,
    data: current.data,
    metadata: JSON.parse(record.metadata) as EventMetadata,
  };
};

/**
 * The EventStore in memory, for simulations and tests that need thousands of fresh stores a
 * minute (PGlite takes seconds to start). Positions are 1, 2, 3...; an append is atomic because it
 * runs to completion before its promise settles. Same rules as the SQL store: a stored id refuses
 * the append as a duplicate before the expectation is checked, payloads round-trip as JSON, events
 * stored at an old version are upcast on read. Nothing survives the process.
 */
export class MemoryEventStore implements EventStore {
  private readonly log: Record[] = [];
  private readonly streams = new Map<string, Record[]>();
  private readonly ids = new Set<string>();
  private readonly listeners = new Set<() => void>();
  private readonly subscriptions = new Set<Subscription>();
  private readonly wakeup = new Wakeup();
  private closed = false;

  constructor(private readonly options: { pollIntervalMs?: number } = {}) {
    this.listeners.add(() => this.wakeup.notify());
  }

  /** Events stored so far (a simulation's checks read this without going through faults). */
  get size(): number {
    return this.log.length;
  }

  /** Calls `listener` after every append; returns a function that stops it. */
  onAppended(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  hasEvent(id: string): boolean {
    return this.ids.has(id.toLowerCase());
  }

  async append(streamId: string, events: NewEvent[], expected: ExpectedRevision, options?: AppendOptions): Promise<AppendResult> {
    this.assertOpen();
    validateAppend(streamId, events, expected);
    const guards = validateGuards(options);
    validateClaims(options, false); // its idempotency records are not beside its events
    const stream = this.streams.get(streamId);
    const actual = stream ? stream.length - 1 : 'no_stream';
    const stored = events.map((event) => event.id.toLowerCase()).filter((id) => this.ids.has(id));
    if (stored.length > 0) throw new DuplicateEventError(stored);
    if (!expectationHolds(expected, actual)) throw new WrongExpectedRevisionError(streamId, expected, actual);
    const broken = guards.find((guard) => breaksGuard(guard, this.streams.get(guard.streamId) ?? []));
    if (broken) throw new StreamChangedError(broken.streamId, broken.revision);
    if (events.length === 0) {
      return { nextExpectedRevision: stream ? stream.length - 1 : -1, position: stream?.[stream.length - 1]?.position ?? 0n, events: [] };
    }
    const records = events.map((event, i): Record => ({
      id: event.id.toLowerCase(),
      type: event.type,
      version: event.version ?? currentVersion(event.type),
      streamId,
      revision: (stream?.length ?? 0) + i,
      position: BigInt(this.log.length + i + 1),
      occurredAt: new Date(event.occurredAt).toISOString(),
      data: JSON.stringify(event.data),
      metadata: JSON.stringify(event.metadata),
    }));
    for (const record of records) {
      this.log.push(record);
      this.ids.add(record.id);
    }
    if (stream) stream.push(...records);
    else this.streams.set(streamId, records);
    for (const listener of [...this.listeners]) listener();
    const last = records[records.length - 1]!;
    return { nextExpectedRevision: last.revision, position: last.position, events: records.map(toStored) };
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<StoredEvent[]> {
    assertFromRevision(options.fromRevision);
    assertMaxCount(options.maxCount);
    const stream = this.streams.get(streamId) ?? [];
    const max = options.maxCount ?? Number.MAX_SAFE_INTEGER;
    if (options.direction === 'backwards') {
      const from = Math.min(options.fromRevision ?? stream.length - 1, stream.length - 1);
      const out: Record[] = [];
      for (let revision = from; revision >= 0 && out.length < max; revision -= 1) out.push(stream[revision]!);
      return out.map(toStored);
    }
    const from = options.fromRevision ?? 0;
    return stream.slice(from, from + max).map(toStored);
  }

  async readAll(options: ReadAllOptions = {}): Promise<StoredEvent[]> {
    assertMaxCount(options.maxCount);
    return this.readAfter(options.after, options.maxCount ?? Number.MAX_SAFE_INTEGER);
  }

  subscribeToAll(options: SubscriptionOptions): Subscription {
    this.assertOpen();
    const subscription = startCatchUpSubscription(
      { read: async (after, maxCount) => this.readAfter(after, maxCount), wakeup: this.wakeup, pollIntervalMs: this.options.pollIntervalMs ?? 250 },
      options,
    );
    this.subscriptions.add(subscription);
    void subscription.done.then(() => this.subscriptions.delete(subscription));
    return subscription;
  }

  async headPosition(): Promise<bigint | undefined> {
    return this.log.length === 0 ? undefined : BigInt(this.log.length);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((subscription) => subscription.stop()));
  }

  private readAfter(after: bigint | undefined, maxCount: number): StoredEvent[] {
    const from = after === undefined || after < 0n ? 0 : Number(after);
    return this.log.slice(from, from + maxCount).map(toStored);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('event store is closed');
  }
}

/** Checkpoints in memory, beside a MemoryEventStore. */
export class MemoryCheckpointStore implements CheckpointStore {
  private readonly positions = new Map<string, bigint>();

  async load(name: string): Promise<bigint | undefined> {
    return this.positions.get(name);
  }

  async save(name: string, position: bigint): Promise<void> {
    this.positions.set(name, position);
  }

  async delete(name: string): Promise<void> {
    this.positions.delete(name);
  }
}
