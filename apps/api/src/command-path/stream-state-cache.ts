import type { StoredEvent } from '@zan/contracts';
import type { EventStore } from '@zan/event-store';
import type { Execution, Executed, Loaded, StateFolder } from './execution';

const PAGE = 1000;

/**
 * How long a cached state counts as the stream's latest (read from, or appended to, the store that
 * recently): a state another process moved on meanwhile is seen again at most this late.
 */
export const FRESH_MS = 500;

/** Every event of a stream from a revision on, read a page at a time. */
export async function* eventsFrom(store: EventStore, streamId: string, fromRevision: number): AsyncGenerator<StoredEvent> {
  for (let next = fromRevision; ;) {
    const page = await store.readStream(streamId, { fromRevision: next, maxCount: PAGE });
    yield* page;
    if (page.length < PAGE) return;
    next = page[page.length - 1]!.revision + 1;
  }
}

/** What `load` may answer from the cache without a read. */
export interface LoadOptions<S> {
  /** Facts that never turn false again once true (a wallet exists, an article is published): answered from any cached state. */
  settled?: (state: S) => boolean;
  /** Answered from a cached state confirmed against the store within FRESH_MS (see `fresh`). */
  whileFresh?: (state: S) => boolean;
}

/**
 * States of the streams this process decided on or read, with their revision (least recently used
 * dropped past `limit`). A cached state may be stale (another process wrote): the append's expected
 * revision catches that, and `load` catches up from the revision cached. Each state also records when
 * the store last confirmed it (a read that found nothing newer, or this process's own append).
 */
export class StreamStateCache {
  private readonly states = new Map<string, Loaded<unknown>>();
  private readonly confirmed = new Map<string, number>();
  /** Reads under way for `whileFresh` loads: a crowd arriving as the state turns stale shares one. */
  private readonly refreshing = new Map<string, Promise<Loaded<unknown>>>();

  constructor(
    private readonly store: EventStore,
    private readonly limit = 50_000,
    private readonly freshMs = FRESH_MS,
  ) {}

  cached<S>(streamId: string): Loaded<S> | undefined {
    return this.states.get(streamId) as Loaded<S> | undefined;
  }

  /**
   * Whether the cached state is the stream's latest this process knows of, confirmed by the store
   * within `freshMs`: what a refusal made on it risks is another process's write of the last moments.
   */
  fresh(streamId: string): boolean {
    const at = this.confirmed.get(streamId);
    return at !== undefined && performance.now() - at <= this.freshMs;
  }

  /** The stream's state caught up from the store (from the cached revision on), unless `options` let the cache answer. */
  async load<S>(streamId: string, folder: StateFolder<S>, options: LoadOptions<S> = {}): Promise<Loaded<S>> {
    const cached = this.cached<S>(streamId);
    if (cached && options.settled?.(cached.state)) return cached;
    if (cached && options.whileFresh?.(cached.state)) {
      if (this.fresh(streamId)) return cached;
      // Started before this call, the shared read is as old as a fresh state may be: good enough here
      // (and if this process appended meanwhile, its newer cached state is the answer).
      let read = this.refreshing.get(streamId) as Promise<Loaded<S>> | undefined;
      if (!read) {
        read = this.read(streamId, folder).finally(() => this.refreshing.delete(streamId));
        this.refreshing.set(streamId, read);
      }
      const loaded = await read;
      const latest = this.cached<S>(streamId);
      return latest && latest.revision > loaded.revision ? latest : loaded;
    }
    return this.read(streamId, folder);
  }

  /** Catches the cached state up from the store (or folds the stream from its start). */
  private async read<S>(streamId: string, folder: StateFolder<S>): Promise<Loaded<S>> {
    const cached = this.cached<S>(streamId);
    let { state, revision, position } = cached ?? { state: folder.initialState, revision: -1, position: undefined };
    for await (const event of eventsFrom(this.store, streamId, revision + 1)) {
      state = folder.evolve(state, event);
      revision = event.revision;
      position = event.position;
    }
    this.remember(streamId, { state, revision, position });
    return { state, revision, position };
  }

  remember(streamId: string, loaded: Loaded<unknown>): void {
    // A slow read finishing after an append must not put an older state back.
    if ((this.states.get(streamId)?.revision ?? -1) > loaded.revision) return;
    if (this.states.size >= this.limit && !this.states.has(streamId)) {
      const oldest = this.states.keys().next().value;
      if (oldest !== undefined) {
        this.states.delete(oldest);
        this.confirmed.delete(oldest);
      }
    }
    this.states.delete(streamId);
    this.states.set(streamId, loaded);
    this.confirmed.set(streamId, performance.now());
  }
}

/** The events a deterministic command stored earlier, and the stream's state right after them. */
export const findStoredOutcome = async <S>(
  store: EventStore,
  execution: Execution<S> & { eventId: (index: number) => string },
): Promise<Executed<S> | undefined> => {
  let state = execution.folder.initialState;
  let revision = -1;
  const found: StoredEvent[] = [];
  for await (const event of eventsFrom(store, execution.streamId, 0)) {
    if (event.id === execution.eventId(found.length)) found.push(event);
    else if (found.length > 0) break;
    state = execution.folder.evolve(state, event);
    revision = event.revision;
  }
  return found.length > 0 ? { events: found, state, revision, position: found[found.length - 1]!.position } : undefined;
};
