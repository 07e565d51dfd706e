import { positionToString, type StoredEvent } from '@zan/contracts';
import { keys } from '../keys';
import { projectAll, type Change, type Projection } from '../projection';
import { assertDelivery, assertSkipped, type Applied, type Skipped } from '../read-model-store.port';
import type { Keyspace } from './keyspace';
import type { ReadModelScripts } from './scripts';
import { shards, type PlacedChange } from './shards';

/** Events per batch of apply scripts: bounds how long one script holds Redis. */
const EVENTS_PER_SCRIPT = 200;

/** One event for the apply scripts: applied with its changes, or skipped with none. */
export interface Entry {
  kind: 'a' | 's';
  category: string;
  streamId?: string;
  revision?: number;
  position: bigint;
  prevPosition: bigint;
  changes: Change[];
}

/** Where writes go, and what guards them. */
export interface Slot {
  guardKey: string;
  /** The guard's value when its key is unset. */
  guardDefault: string;
  generation(): Promise<string>;
  /** The guard refused the generation: refresh it, or throw when there is no going on. */
  refused(attempt: number): void;
}

/** One event's part in one shard's script. */
interface ShardPart {
  entry: number;
  home: boolean;
  changes: Change[];
}

/**
 * Events into a generation through the apply scripts (scripts.ts): each event's changes, placed over
 * the shards (shards.ts), land in each shard together with that shard's dedupe record, one script per
 * shard and batch; then the watermark moves over the batch in the control slot. A crash in between
 * leaves the watermark behind the data: the redelivery finds the event applied in each shard (its
 * dedupe records) and moves the watermark. So the watermark never passes an event that is not whole.
 */
export class ApplyScript {
  /**
   * @param oneNode a single Redis, where one script may span slots: every shard's part of a batch then
   *   goes in one call (the same script and keys as on a cluster, fewer round trips).
   */
  constructor(
    private readonly keyspace: Keyspace,
    private readonly scripts: ReadModelScripts,
    private readonly projections: Projection[],
    private readonly oneNode = false,
  ) {}

  /** Every projection's changes for one event, checked (throws when none can apply it). */
  project(event: StoredEvent): Change[] {
    return projectAll(this.projections, event);
  }

  /** The event's changes placed over the shards, and its home shard (its stream's). */
  place(streamId: string, changes: Change[]): { home: number; placed: PlacedChange[] } {
    const home = shards.of(streamId);
    return { home, placed: shards.place(changes, home) };
  }

  appliedEntry(delivery: Applied): Entry {
    assertDelivery(delivery);
    const { category, event, prevPosition } = delivery;
    return {
      kind: 'a',
      category,
      streamId: event.streamId,
      revision: event.revision,
      position: event.position,
      prevPosition,
      changes: this.project(event),
    };
  }

  skippedEntry(skipped: Skipped): Entry {
    assertSkipped(skipped);
    return { kind: 's', ...skipped, changes: [] };
  }

  /** Whether each entry was new to the slot's generation, in order, EVENTS_PER_SCRIPT per script. */
  async write(slot: Slot, entries: Entry[]): Promise<boolean[]> {
    const results: boolean[] = [];
    for (let start = 0; start < entries.length; start += EVENTS_PER_SCRIPT) {
      const chunk = entries.slice(start, start + EVENTS_PER_SCRIPT);
      const parts = this.partsByShard(chunk);
      for (let attempt = 1; ; attempt++) {
        const generation = await slot.generation();
        const fresh = await this.writeShards(generation, chunk, parts);
        const reply = await this.scripts.advance(...this.advanceArgs(generation, slot, chunk));
        if (Array.isArray(reply)) {
          results.push(...chunk.map((entry, i) => (entry.streamId === undefined ? reply[i] === 1 : fresh[i]!)));
          break;
        }
        // The generation stopped taking writes after its shards took these: they are redone in the
        // next one (its dedupe records decide what is new there); what landed here is never read.
        slot.refused(attempt);
      }
    }
    return results;
  }

  private partsByShard(entries: Entry[]): Map<number, ShardPart[]> {
    const byShard = new Map<number, ShardPart[]>();
    const partOf = (shard: number, entry: number, home: boolean): ShardPart => {
      let parts = byShard.get(shard);
      if (!parts) byShard.set(shard, (parts = []));
      let part = parts[parts.length - 1];
      if (part?.entry !== entry) parts.push((part = { entry, home, changes: [] }));
      return part;
    };
    entries.forEach((entry, i) => {
      // A skip without a stream has no changes and no dedupe record: only the watermark takes it.
      if (entry.streamId === undefined) return;
      const { home, placed } = this.place(entry.streamId, entry.changes);
      partOf(home, i, true);
      // A skip is recorded in every shard: a good copy of the event arriving later is a duplicate
      // wherever its changes would go.
      if (entry.kind === 's') for (let shard = 0; shard < shards.count; shard++) if (shard !== home) partOf(shard, i, false);
      for (const { shard, change } of placed) partOf(shard, i, shard === home).changes.push(change);
    });
    return byShard;
  }

  /** Runs every shard's script at once; the home shard's answer per entry (undefined without a stream). */
  private async writeShards(generation: string, entries: Entry[], byShard: Map<number, ShardPart[]>): Promise<(boolean | undefined)[]> {
    const fresh: (boolean | undefined)[] = entries.map(() => undefined);
    const calls = this.oneNode ? [[...byShard]] : [...byShard].map((shard) => [shard]);
    await Promise.all(
      calls.map(async (shardParts) => {
        const reply = await this.scripts.shardApply(...this.shardArgs(generation, entries, shardParts));
        shardParts
          .flatMap(([, parts]) => parts)
          .forEach((part, i) => {
            if (part.home) fresh[part.entry] = reply[i] === 1;
          });
      }),
    );
    return fresh;
  }

  /** numkeys, KEYS, ARGV of the shard script (see SHARD_APPLY_SCRIPT). */
  private shardArgs(generation: string, entries: Entry[], shardParts: [number, ShardPart[]][]): (string | number)[] {
    const allKeys: string[] = [];
    const indexOf = new Map<string, number>();
    const keyIndex = (placed: string): number => {
      let index = indexOf.get(placed);
      if (index === undefined) {
        allKeys.push(this.keyspace.key(generation, placed));
        index = allKeys.length;
        indexOf.set(placed, index);
      }
      return index;
    };
    const batch = shardParts.flatMap(([shard, parts]) =>
      parts.map(({ entry, home, changes }) => {
        const e = entries[entry]!;
        return [
          e.kind,
          keyIndex(shards.in(shard, keys.applied(e.category))),
          e.category,
          e.streamId!,
          String(e.revision),
          home ? keyIndex(shards.in(shard, keys.stats)) : 0,
          changes.map((change) => toWire(change, keyIndex(change.key))),
        ];
      }),
    );
    return [allKeys.length, ...allKeys, JSON.stringify(batch)];
  }

  /** KEYS and ARGV of the advance script (see ADVANCE_SCRIPT). */
  private advanceArgs(generation: string, slot: Slot, entries: Entry[]): string[] {
    const links = entries.map((e) => [positionToString(e.position), positionToString(e.prevPosition), e.streamId === undefined ? e.category : '']);
    return [
      slot.guardKey,
      this.keyspace.mark(generation, keys.watermark),
      this.keyspace.mark(generation, keys.watermarkPending),
      this.keyspace.mark(generation, keys.stats),
      generation,
      slot.guardDefault,
      JSON.stringify(links),
    ];
  }
}

/** A change as the apply script reads it: [op, keyIndex, ...arguments], numbers as strings. */
const toWire = (change: Change, keyIndex: number): unknown[] => {
  switch (change.op) {
    case 'hset':
      return ['hset', keyIndex, Object.entries(change.values).flatMap(([field, value]) => [field, String(value)])];
    case 'hincrby':
      return ['hincrby', keyIndex, change.field, String(change.by)];
    case 'zincrby':
      return ['zincrby', keyIndex, change.member, String(change.by)];
    case 'zadd':
      return ['zadd', keyIndex, change.member, String(change.score)];
    case 'ztrim':
      return ['ztrim', keyIndex, String(change.keep)];
  }
};
