import { positionToString, type StoredEvent } from '@zan/contracts';
import { keys } from '../keys';
import { projectAll, type Change, type Projection } from '../projection';
import { assertDelivery, assertSkipped, type Applied, type RevisionGap, type Skipped } from '../read-model-store.port';
import type { Keyspace } from './keyspace';
import type { ReadModelScripts } from './scripts';
import { shards } from './shards';

/** Events per batch of apply scripts: bounds how long one script holds Redis. */
const EVENTS_PER_SCRIPT = 200;

/**
 * One event for the apply scripts: applied with its changes ('a'), or skipped with none: recorded as
 * applied ('s'), or, a dead letter past a gap in its stream's revisions, left unrecorded ('g').
 */
export interface Entry {
  kind: 'a' | 's' | 'g';
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
  /** The pub/sub channel told after a write that applied something (the live store's waiters), if any. */
  channel?: string;
}

/** One event's part in one shard's script. */
interface ShardPart {
  entry: number;
  home: boolean;
  changes: Change[];
}

/** A chunk of entries over the shards: what does not depend on the generation, worked out once. */
interface Plan {
  entries: Entry[];
  byShard: Map<number, ShardPart[]>;
}

/**
 * Events into a generation through the apply scripts (scripts.ts): each event's changes, placed over
 * the shards (shards.ts), land in each shard together with that shard's dedupe record, one script per
 * shard and batch; then the watermark moves over the batch in the control slot. A crash in between
 * leaves the watermark behind the data: the redelivery finds the event applied in each shard (its
 * dedupe records) and moves the watermark. So the watermark never passes an event that is not whole.
 * On a single Redis the same keys and writes go in one script per batch (ONE_NODE_APPLY_SCRIPT).
 */
export class ApplyScript {
  /** Told of each revision gap the scripts find (see LUA_APPLY_PARTS), in any generation written. */
  readonly gapListeners = new Set<(gap: RevisionGap) => void>();

  /**
   * @param oneNode a single Redis, where one script may span slots: every shard's part of a batch and
   *   the watermark then go in one call (the same keys and writes as on a cluster, one round trip).
   * @param publish tells a slot's channel (on a cluster; on one node the script publishes itself).
   * @param replicated resolves once what was written so far is on a replica of each primary (on a
   *   cluster: see waitForReplicas), and throws if it is not.
   */
  constructor(
    private readonly keyspace: Keyspace,
    private readonly scripts: ReadModelScripts,
    private readonly projections: Projection[],
    private readonly oneNode = false,
    private readonly publish: (channel: string) => void = () => undefined,
    private readonly replicated: () => Promise<void> = async () => undefined,
  ) {}

  /** Every projection's changes for one event, checked (throws when none can apply it). */
  project(event: StoredEvent): Change[] {
    return projectAll(this.projections, event);
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
      const skips = chunk.some((entry) => entry.kind === 's' && entry.streamId !== undefined);
      let plan = this.plan(chunk);
      for (let attempt = 1; ; attempt++) {
        const generation = await slot.generation();
        if (skips) plan = this.plan(await this.pastGaps(generation, chunk));
        const fresh = this.oneNode ? await this.writeOneNode(generation, slot, plan) : await this.writeShards(generation, slot, plan);
        if (fresh) {
          results.push(...fresh);
          break;
        }
        // The generation stopped taking writes (on a cluster after its shards took these: they are
        // redone in the next one, whose dedupe records decide what is new there; what landed here is never read).
        slot.refused(attempt);
      }
    }
    if (slot.channel && !this.oneNode && results.some(Boolean)) this.publish(slot.channel);
    return results;
  }

  /**
   * The skips of `entries` whose revision is past the last one applied of their stream + 1 in the
   * generation, made 'g': a dead letter that jumps its stream's revision (a forged ce_sequence, or an
   * event lost before it) recorded as applied would make every later event of the stream up to it a
   * duplicate. Read before the scripts, since a skip is recorded in every shard and only the home
   * shard knows the last revision; the last one only grows, so the script's own check stays right.
   */
  private async pastGaps(generation: string, entries: Entry[]): Promise<Entry[]> {
    return Promise.all(
      entries.map(async (entry) => {
        if (entry.kind !== 's' || entry.streamId === undefined) return entry;
        const dedupe = this.keyspace.key(generation, shards.in(shards.of(entry.streamId), keys.applied(entry.category)));
        const last = await this.scripts.lastRevision(dedupe, entry.streamId);
        return entry.revision! > (last === null ? -1 : Number(last)) + 1 ? { ...entry, kind: 'g' as const } : entry;
      }),
    );
  }

  private plan(entries: Entry[]): Plan {
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
      const home = shards.of(entry.streamId);
      partOf(home, i, true);
      // A skip is recorded in every shard: a good copy of the event arriving later is a duplicate
      // wherever its changes would go.
      if (entry.kind === 's') for (let shard = 0; shard < shards.count; shard++) if (shard !== home) partOf(shard, i, false);
      shards.placeEach(entry.changes, home, (shard, change) => partOf(shard, i, shard === home).changes.push(change));
    });
    return { entries, byShard };
  }

  /** The batch in one script (ONE_NODE_APPLY_SCRIPT); undefined when the guard refused the generation. */
  private async writeOneNode(generation: string, slot: Slot, plan: Plan): Promise<boolean[] | undefined> {
    const index = new KeyIndex(this.keyspace, generation, this.advanceKeys(generation, slot));
    const shardParts = [...plan.byShard];
    const parts = this.partsJson(plan, shardParts, index);
    const reply = await this.scripts.oneNodeApply(
      index.all.length,
      ...index.all,
      generation,
      slot.guardDefault,
      parts,
      this.linksJson(plan.entries),
      slot.channel ?? '',
    );
    if (!Array.isArray(reply)) return undefined;
    const [fresh, moved, gaps] = reply;
    const home = this.homeResults(plan, shardParts, fresh);
    this.told(plan, shardParts, gaps);
    return plan.entries.map((entry, i) => (entry.streamId === undefined ? moved[i] === 1 : home[i]!));
  }

  /**
   * Every shard's script at once, then the watermark's; undefined when the guard refused the
   * generation. Each step waits for the primaries' replicas: a write acknowledged by a primary that
   * dies before its replica has it is lost in the failover, and once the batch's offsets are
   * committed nothing would redeliver it (a shard short of an event, or the watermark's links lost
   * and the watermark stuck at the hole for good). The watermark moves only over shards' writes a
   * replica holds, so a failover never leaves it ahead of the data either.
   */
  private async writeShards(generation: string, slot: Slot, plan: Plan): Promise<boolean[] | undefined> {
    const home: (boolean | undefined)[] = [];
    await Promise.all(
      [...plan.byShard].map(async (shardPart) => {
        const index = new KeyIndex(this.keyspace, generation, []);
        const parts = this.partsJson(plan, [shardPart], index);
        const [fresh, gaps] = await this.scripts.shardApply(index.all.length, ...index.all, parts);
        this.homeResults(plan, [shardPart], fresh, home);
        this.told(plan, [shardPart], gaps);
      }),
    );
    await this.replicated();
    const reply = await this.scripts.advance(...this.advanceKeys(generation, slot), generation, slot.guardDefault, this.linksJson(plan.entries));
    await this.replicated();
    if (!Array.isArray(reply)) return undefined;
    return plan.entries.map((entry, i) => (entry.streamId === undefined ? reply[i] === 1 : home[i]!));
  }

  /** The home shard's answer per entry (undefined without a stream), from the parts' answers in order. */
  private homeResults(plan: Plan, shardParts: [number, ShardPart[]][], reply: number[], into: (boolean | undefined)[] = []): (boolean | undefined)[] {
    let i = 0;
    for (const [, parts] of shardParts) {
      for (const part of parts) {
        if (part.home) into[part.entry] = reply[i] === 1;
        i++;
      }
    }
    into.length = Math.max(into.length, plan.entries.length);
    return into;
  }

  /** Tells the gap listeners of the scripts' gaps: [partIndex (1-based over shardParts), last revision or '', ...]. */
  private told(plan: Plan, shardParts: [number, ShardPart[]][], gaps: (number | string)[]): void {
    if (gaps.length === 0) return;
    const partEntries = shardParts.flatMap(([, parts]) => parts.map((part) => part.entry));
    for (let i = 0; i < gaps.length; i += 2) {
      const entry = plan.entries[partEntries[Number(gaps[i]) - 1]!]!;
      const last = gaps[i + 1] === '' ? undefined : Number(gaps[i + 1]);
      const gap: RevisionGap = { category: entry.category, streamId: entry.streamId!, revision: entry.revision!, last, applied: entry.kind === 'a' };
      for (const listener of this.gapListeners) listener(gap);
    }
  }

  /** ARGV of the parts (see LUA_APPLY_PARTS), naming their keys in `index`, each of their events once. */
  private partsJson(plan: Plan, shardParts: [number, ShardPart[]][], index: KeyIndex): string {
    const events: [string, string, string, string][] = [];
    const eventOf = new Map<number, number>();
    const parts: unknown[] = [];
    for (const [shard, shardPartList] of shardParts) {
      for (const { entry, home, changes } of shardPartList) {
        const e = plan.entries[entry]!;
        let event = eventOf.get(entry);
        if (event === undefined) eventOf.set(entry, (event = events.push([e.kind, e.category, e.streamId!, String(e.revision)])));
        parts.push([
          event,
          index.of(shard, keys.applied(e.category)),
          home ? index.of(shard, keys.stats) : 0,
          changes.map((change) => toWire(change, index.of(shard, change.key))),
        ]);
      }
    }
    return JSON.stringify([events, parts]);
  }

  /** The links of the advance (see LUA_ADVANCE_LINKS). */
  private linksJson(entries: Entry[]): string {
    return JSON.stringify(entries.map((e) => [positionToString(e.position), positionToString(e.prevPosition), e.streamId === undefined ? e.category : '']));
  }

  /** KEYS 1-4 of ADVANCE_SCRIPT and ONE_NODE_APPLY_SCRIPT. */
  private advanceKeys(generation: string, slot: Slot): string[] {
    return [
      slot.guardKey,
      this.keyspace.mark(generation, keys.watermark),
      this.keyspace.mark(generation, keys.watermarkPending),
      this.keyspace.mark(generation, keys.stats),
    ];
  }
}

/** A script's KEYS: each placed key once, by its 1-based index. */
class KeyIndex {
  readonly all: string[];
  /** Per shard, logical key -> index in `all`. */
  private readonly byShard = new Map<number, Map<string, number>>();

  constructor(
    private readonly keyspace: Keyspace,
    private readonly generation: string,
    first: string[],
  ) {
    this.all = [...first];
  }

  of(shard: number, logical: string): number {
    let indexes = this.byShard.get(shard);
    if (!indexes) this.byShard.set(shard, (indexes = new Map<string, number>()));
    let index = indexes.get(logical);
    if (index === undefined) {
      index = this.all.push(this.keyspace.key(this.generation, shards.in(shard, logical)));
      indexes.set(logical, index);
    }
    return index;
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
