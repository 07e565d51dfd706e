/**
 * The event ids of recently appended-to streams, known through a revision, so that checking an
 * append for duplicates reads only the stream's tail. Least recently used streams are forgotten
 * once more than `limit` ids are held (the stream in use is always kept).
 */
export class KnownEventIds {
  private readonly streams = new Map<string, { revision: number; ids: Set<string> }>();
  private held = 0;

  constructor(private readonly limit: number) {
    if (!Number.isSafeInteger(limit) || limit < 0) throw new RangeError(`limit must be a non-negative integer, got ${limit}`);
  }

  /** The revision through which the stream's ids are known; -1 when none are. */
  revisionOf(streamId: string): number {
    return this.streams.get(streamId)?.revision ?? -1;
  }

  /**
   * Learns events read in revision order. Events already known are skipped; events that do not
   * follow the known revision (a gap) are ignored, so the set always covers revisions 0..revision.
   */
  add(streamId: string, events: readonly { id: string; revision: number }[]): void {
    let entry = this.streams.get(streamId);
    if (!entry) entry = { revision: -1, ids: new Set() };
    for (const event of events) {
      if (event.revision <= entry.revision) continue;
      if (event.revision !== entry.revision + 1) break;
      entry.ids.add(event.id.toLowerCase());
      entry.revision = event.revision;
      this.held += 1;
    }
    this.touch(streamId, entry);
  }

  /** Those of `ids` known to be in the stream, in the order given. */
  find(streamId: string, ids: readonly string[]): string[] {
    const entry = this.streams.get(streamId);
    return entry ? ids.filter((id) => entry.ids.has(id.toLowerCase())) : [];
  }

  get size(): number {
    return this.held;
  }

  private touch(streamId: string, entry: { revision: number; ids: Set<string> }): void {
    this.streams.delete(streamId);
    this.streams.set(streamId, entry);
    for (const [oldest, old] of this.streams) {
      if (this.held <= this.limit || oldest === streamId) break;
      this.streams.delete(oldest);
      this.held -= old.ids.size;
    }
  }
}
