import type { StoredEvent } from '@zan/contracts';
import type { EventStore } from '@zan/event-store';
import type { Execution, Executed, Loaded, StateFolder } from './execution';

const PAGE = 1000;

/** Every event of a stream from a revision on, read a page at a time. */
export async function* eventsFrom(store: EventStore, streamId: string, fromRevision: number): AsyncGenerator<StoredEvent> {
  for (let next = fromRevision; ; ) {
    const page = await store.readStream(streamId, { fromRevision: next, maxCount: PAGE });
    yield* page;
    if (page.length < PAGE) return;
    next = page[page.length - 1]!.revision + 1;
  }
}

/**
 * States of the streams this process decided on or read, with their revision (least recently used
 * dropped past `limit`). A cached state may be stale (another process wrote): the append's expected
 * revision catches that, and `load` catches up from the revision cached.
 */
export class StreamStateCache {
  private readonly states = new Map<string, Loaded<unknown>>();

  constructor(
    private readonly store: EventStore,
    private readonly limit = 50_000,
  ) {}

  cached<S>(streamId: string): Loaded<S> | undefined {
    return this.states.get(streamId) as Loaded<S> | undefined;
  }

  /**
   * The stream's state caught up from the store (from the cached revision on). With `settled`, a
   * cached state for which it holds is answered without a read: for facts that never turn false
   * again once true (a wallet exists, an article is published).
   */
  async load<S>(streamId: string, folder: StateFolder<S>, settled?: (state: S) => boolean): Promise<Loaded<S>> {
    const cached = this.cached<S>(streamId);
    if (cached && settled?.(cached.state)) return cached;
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
      if (oldest !== undefined) this.states.delete(oldest);
    }
    this.states.delete(streamId);
    this.states.set(streamId, loaded);
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
