import type { StoredEvent } from '@zan/contracts';
import type { EventStore } from '@zan/event-store';

export interface EventRange {
  /** Events strictly after this position (undefined: from the first event). */
  after?: bigint;
  /** Events up to and including this position (undefined: to the head when reading started). */
  until?: bigint;
  /** Events per read; also the batch size of whoever consumes the pages. */
  pageSize?: number;
  /** Read one stream by revision instead of the whole store. */
  streamId?: string;
  /** Stops between pages. */
  signal?: AbortSignal;
}

export const DEFAULT_PAGE_SIZE = 2000;

/**
 * Pages of events in global order, through the EventStore port only (every backend), in constant
 * memory: one page being consumed, the next one already being read. The upper bound is fixed
 * when reading starts, so a live store's new events never make it run for ever.
 */
export async function* readEventPages(store: EventStore, range: EventRange = {}): AsyncGenerator<StoredEvent[]> {
  const pageSize = range.pageSize ?? DEFAULT_PAGE_SIZE;
  const until = range.until ?? (await store.headPosition());
  if (until === undefined) return;
  const inRange = (event: StoredEvent) => (range.after === undefined || event.position > range.after) && event.position <= until;

  let nextRevision = 0;
  let after = range.after;
  let done = false;
  const readPage = async (): Promise<StoredEvent[]> => {
    if (done) return [];
    if (range.streamId !== undefined) {
      const page = await store.readStream(range.streamId, { fromRevision: nextRevision, maxCount: pageSize });
      if (page.length < pageSize || page[page.length - 1].position >= until) done = true;
      if (page.length > 0) nextRevision = page[page.length - 1].revision + 1;
      return page.filter(inRange);
    }
    const page = await store.readAll({ after, maxCount: pageSize });
    if (page.length < pageSize) done = true;
    if (page.length > 0) after = page[page.length - 1].position;
    const kept = page.filter(inRange);
    if (kept.length < page.length) done = true;
    return kept;
  };

  let pending = readPage();
  try {
    while (!range.signal?.aborted) {
      const page = await pending;
      const exhausted = done;
      if (!exhausted) pending = readPage();
      // A stream read by revision may hold nothing in range in this page and more in the next.
      if (page.length > 0) yield page;
      if (exhausted) return;
    }
  } finally {
    // The consumer stopped early: the read ahead is not wanted, and must not fail unheard.
    pending.catch(() => undefined);
  }
}

/** The events one by one, for consumers that do not batch. */
export async function* readEvents(store: EventStore, range: EventRange = {}): AsyncGenerator<StoredEvent> {
  for await (const page of readEventPages(store, range)) yield* page;
}
