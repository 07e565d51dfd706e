import type { StoredEvent } from '@zan/contracts';
import { entityIdOf, keys, placementOf } from '../keys';
import type { Change } from '../projection';
import { assertDelivery, InvalidDelivery, type Applied } from '../read-model-store.port';
import { CannotFold, type RedisCommand } from './change-fold';
import { shards } from './shards';

/**
 * What the generation's only writer knows of it: the watermark, and the last revision applied per
 * category and stream (to refuse a batch that repeats an event).
 */
export interface InOrderSequence {
  mark: bigint;
  revisions: Map<string, Map<string, number>>;
}

/**
 * One key's writes folded (the rules of ChangeFold): each hash field and sorted-set member either
 * set (later increments folded into the value) or only incremented, never both.
 */
interface KeyFold {
  hset?: Map<string, string>;
  hincr?: Map<string, number>;
  zadd?: Map<string, number>;
  zincr?: Map<string, number>;
  /** ztrim's `keep`, when the key is trimmed. */
  keep?: number;
  /** The key's last change was its trim (an add after it cannot fold). */
  trimmedLast: boolean;
  incremented: boolean;
  /** The event that last changed it (GenerationFold's undo log keeps its flags once per event). */
  event: number;
  /** Its logical key and shard. */
  key: string;
  shard: number;
}

/** A logical key: where it goes (a shard for an entity key, else EVENT or MEMBER), and its folds. */
interface KeySlot {
  place: number;
  /** An entity key's fold (in shard `place`). */
  fold?: KeyFold;
  /** The folds of a key placed per event or per member, by shard. */
  byShard?: (KeyFold | undefined)[];
}

const INTEGER = /^-?(0|[1-9][0-9]*)$/;

/**
 * The changes, dedupe records and counters of a run of events in global order, folded per slot group
 * (shards.ts) into what leaves the same state as applying them one by one with ApplyScript: a key's
 * last value, its summed increments, its members and one trim. Only for a generation that this
 * writer alone fills (a rebuild): nothing else may write those keys between the events.
 *
 * An event whose changes cannot be folded exactly with those before it (see ChangeFold's rules; or
 * one that leaves a trimmed key with an add after its trim) is refused whole: addEvent puts back
 * what it had changed and answers false, and the caller writes the fold, then that event by itself.
 */
export class GenerationFold {
  /** Logical key -> where it goes and its folds: one lookup per change. */
  private readonly slots = new Map<string, KeySlot>();
  /** Per category, per shard: stream -> the revision of the last event of that stream that wrote the shard. */
  private readonly dedupe = new Map<string, Map<string, number>[]>();
  /** Per category, per home shard: events applied, then skipped (the counters). */
  private readonly counts = new Map<string, number[]>();
  /** Fields, members and dedupe records held: what a window's size is counted in. */
  entries = 0;
  /** Events folded. */
  events = 0;
  /** The position of the last event folded. */
  mark = 0n;
  /** Trimmed keys whose last change is an add. */
  private untrimmed = 0;
  /** Ranking keys an event added to, by shard (what its ztrim of the key trims). */
  private readonly rankShards = new Map<string, number>();
  /** The undo log of the event being folded (reused arrays: no allocation per change). */
  private readonly undo = new UndoLog();

  /**
   * Folds one event: `changes` (undefined for an event no projection can apply: a skip, recorded in
   * every shard as ApplyScript records it), its dedupe records in every shard it writes and its
   * counter in its home shard. False, with nothing changed, when it cannot be folded with what the
   * fold holds.
   */
  addEvent(category: string, event: StoredEvent, changes: Change[] | undefined): boolean {
    const home = shards.of(event.streamId);
    const [entries, untrimmed] = [this.entries, this.untrimmed];
    this.undo.start();
    let touched = 1 << home;
    try {
      if (changes === undefined) {
        touched = (1 << shards.count) - 1;
      } else {
        this.rankShards.clear();
        for (const change of changes) {
          let slot = this.slots.get(change.key);
          if (slot === undefined) this.slots.set(change.key, (slot = { place: placeOf(change.key) }));
          const place = slot.place;
          if (place >= 0) {
            touched |= 1 << place;
            this.add(slot, place, change);
          } else if (place === EVENT) {
            this.add(slot, home, change);
          } else if (change.op === 'zadd' || change.op === 'zincrby') {
            const shard = shards.of(change.member);
            touched |= 1 << shard;
            this.rankShards.set(change.key, (this.rankShards.get(change.key) ?? 0) | (1 << shard));
            this.add(slot, shard, change);
          } else if (change.op === 'ztrim') {
            const mask = this.rankShards.get(change.key) ?? 1 << home;
            for (let shard = 0; shard < shards.count; shard++) if (mask & (1 << shard)) this.add(slot, shard, change);
          } else {
            throw new Error(`${change.op} ${change.key}: a ranking (placement 'member') takes zadd, zincrby and ztrim only`);
          }
        }
      }
      if (this.untrimmed > 0) throw new CannotFold('a trimmed key has an add after its last trim');
    } catch (error) {
      if (!(error instanceof CannotFold)) throw error;
      this.undo.rollBack();
      [this.entries, this.untrimmed] = [entries, untrimmed];
      return false;
    }
    let streamsByShard = this.dedupe.get(category);
    if (streamsByShard === undefined) this.dedupe.set(category, (streamsByShard = Array.from({ length: shards.count }, () => new Map<string, number>())));
    for (let shard = 0; shard < shards.count; shard++) {
      if (!(touched & (1 << shard))) continue;
      const streams = streamsByShard[shard]!;
      const size = streams.size;
      streams.set(event.streamId, event.revision);
      this.entries += streams.size - size;
    }
    let counts = this.counts.get(category);
    if (counts === undefined) this.counts.set(category, (counts = new Array<number>(2 * shards.count).fill(0)));
    counts[2 * home + (changes === undefined ? 1 : 0)]!++;
    this.events++;
    this.mark = event.position;
    return true;
  }

  private keyFold(slot: KeySlot, shard: number, key: string): KeyFold {
    let fold = slot.place >= 0 ? slot.fold : slot.byShard?.[shard];
    if (fold === undefined) {
      fold = { trimmedLast: false, incremented: false, event: this.events, key, shard };
      if (slot.place >= 0) slot.fold = fold;
      else (slot.byShard ??= [])[shard] = fold;
      this.undo.created(slot, shard);
    } else if (fold.event !== this.events) {
      this.undo.flags(fold);
      fold.event = this.events;
    }
    return fold;
  }

  private increment(fold: KeyFold, field: string, by: number, change?: Change): void {
    const value = fold.hset?.get(field);
    if (value !== undefined) {
      if (!INTEGER.test(value)) throw new CannotFold(`hincrby ${change?.key} ${field}: the field holds ${JSON.stringify(value)}`);
      this.undo.set(fold.hset!, field, value);
      fold.hset!.set(field, String(safeSum(Number(value), by)));
      return;
    }
    const fields = (fold.hincr ??= new Map<string, number>());
    const sum = fields.get(field);
    if (sum === undefined) this.entries++;
    const next = sum === undefined ? by : safeSum(sum, by);
    this.undo.set(fields, field, sum);
    fields.set(field, next);
  }

  private add(slot: KeySlot, shard: number, change: Change): void {
    const fold = this.keyFold(slot, shard, change.key);
    switch (change.op) {
      case 'hset': {
        const fields = (fold.hset ??= new Map<string, string>());
        for (const field in change.values) {
          const sum = fold.hincr?.get(field);
          if (sum !== undefined) {
            this.undo.set(fold.hincr!, field, sum);
            fold.hincr!.delete(field);
            this.entries--;
          }
          const value = fields.get(field);
          if (value === undefined) this.entries++;
          this.undo.set(fields, field, value);
          fields.set(field, String(change.values[field]));
        }
        return;
      }
      case 'hincrby':
        return this.increment(fold, change.field, change.by, change);
      case 'zincrby': {
        if (fold.keep !== undefined) throw new CannotFold(`zincrby ${change.key}: a trimmed sorted set must keep its scores`);
        fold.incremented = true;
        const score = fold.zadd?.get(change.member);
        if (score !== undefined) {
          const next = safeSum(score, change.by);
          this.undo.set(fold.zadd!, change.member, score);
          fold.zadd!.set(change.member, next);
          return;
        }
        const members = (fold.zincr ??= new Map<string, number>());
        const sum = members.get(change.member);
        const next = sum === undefined ? change.by : safeSum(sum, change.by);
        if (sum === undefined) this.entries++;
        this.undo.set(members, change.member, sum);
        members.set(change.member, next);
        return;
      }
      case 'zadd': {
        const members = (fold.zadd ??= new Map<string, number>());
        const score = members.get(change.member);
        const sum = fold.zincr?.get(change.member);
        if (fold.keep !== undefined && (sum !== undefined || (score !== undefined && score !== change.score))) {
          throw new CannotFold(`zadd ${change.key}: a trimmed sorted set must keep its scores`);
        }
        if (sum !== undefined) {
          this.undo.set(fold.zincr!, change.member, sum);
          fold.zincr!.delete(change.member);
          this.entries--;
        }
        if (score === undefined) this.entries++;
        this.undo.set(members, change.member, score);
        members.set(change.member, change.score);
        if (fold.keep !== undefined && fold.trimmedLast) this.untrimmed++;
        fold.trimmedLast = false;
        return;
      }
      case 'ztrim': {
        if (fold.incremented) throw new CannotFold(`ztrim ${change.key}: a trimmed sorted set must keep its scores`);
        if (fold.keep !== undefined && fold.keep !== change.keep) throw new CannotFold(`ztrim ${change.key}: two lengths in one run`);
        if (fold.keep !== undefined && !fold.trimmedLast) this.untrimmed--;
        fold.keep = change.keep;
        fold.trimmedLast = true;
        return;
      }
      default:
        throw new CannotFold(`unknown op ${String((change as { op: unknown }).op)}`);
    }
  }

  /**
   * The fold as plain commands to `out`, shard by shard, key by key. A key `fresh` says holds nothing
   * yet takes its fields and members in one HSET or ZADD (an increment of a field or member that
   * does not exist sets it); the others take HINCRBY and ZINCRBY per field and member.
   */
  commands(out: FoldOutput, fresh: (shard: number, logical: string) => boolean): void {
    this.foldCounters();
    const byShard: KeyFold[][] = Array.from({ length: shards.count }, () => []);
    for (const slot of this.slots.values()) {
      if (slot.fold) byShard[slot.place]!.push(slot.fold);
      else if (slot.byShard) for (const fold of slot.byShard) if (fold) byShard[fold.shard]!.push(fold);
    }
    for (let shard = 0; shard < shards.count; shard++) {
      for (const fold of byShard[shard]!) {
        const logical = fold.key;
        const key = out.key(shard, logical);
        const empty = fresh(shard, logical);
        if (fold.hset || fold.hincr) {
          const pairs: string[] = [];
          if (fold.hincr) {
            for (const [field, by] of fold.hincr) {
              if (empty) pairs.push(field, String(by));
              else out.command(['hincrby', key, field, String(by)]);
            }
          }
          if (fold.hset) for (const [field, value] of fold.hset) pairs.push(field, value);
          pushPairs(out, 'hset', key, pairs);
        }
        if (fold.zadd || fold.zincr) {
          const pairs: string[] = [];
          if (fold.zincr) {
            for (const [member, by] of fold.zincr) {
              if (empty) pairs.push(String(by), member);
              else out.command(['zincrby', key, String(by), member]);
            }
          }
          if (fold.zadd) for (const [member, score] of fold.zadd) pairs.push(String(score), member);
          pushPairs(out, 'zadd', key, pairs);
        }
        if (fold.keep !== undefined) out.command(['zremrangebyrank', key, '0', String(-1 - fold.keep)]);
      }
      for (const [category, streamsByShard] of this.dedupe) {
        const streams = streamsByShard[shard]!;
        if (streams.size === 0) continue;
        const pairs: string[] = [];
        for (const [stream, revision] of streams) pairs.push(stream, String(revision));
        pushPairs(out, 'hset', out.key(shard, keys.applied(category)), pairs);
      }
    }
  }

  private countersSlot(): KeySlot {
    let slot = this.slots.get(keys.stats);
    if (slot === undefined) this.slots.set(keys.stats, (slot = { place: EVENT }));
    return slot;
  }

  /** Folds the counters into each home shard's `stats` key (as ApplyScript counts: kind, and kind per category). */
  private foldCounters(): void {
    for (const [category, counts] of this.counts) {
      for (let shard = 0; shard < shards.count; shard++) {
        for (const [i, kind] of COUNTER_KINDS) {
          const n = counts[2 * shard + i]!;
          if (n === 0) continue;
          const stats = this.keyFold(this.countersSlot(), shard, keys.stats);
          this.increment(stats, kind, n);
          this.increment(stats, `${kind}:${category}`, n);
        }
      }
    }
    this.counts.clear();
    this.undo.start();
  }
}

const COUNTER_KINDS: [number, string][] = [
  [0, 'applied'],
  [1, 'skipped'],
];

/**
 * What the event being folded changed: map entries with their values before (undefined: absent),
 * the flags of each key it changed, the keys it created. In reused arrays, cleared per event.
 */
class UndoLog {
  private readonly maps: (Map<string, unknown> | undefined)[] = [];
  private readonly fields: string[] = [];
  private readonly values: unknown[] = [];
  private count = 0;
  private readonly keys: (KeyFold | undefined)[] = [];
  private readonly keeps: (number | undefined)[] = [];
  private readonly trimmedLasts: boolean[] = [];
  private readonly incrementeds: boolean[] = [];
  private readonly events: number[] = [];
  private flagCount = 0;
  private readonly createdSlots: (KeySlot | undefined)[] = [];
  private readonly createdShards: number[] = [];
  private createdCount = 0;

  start(): void {
    this.count = 0;
    this.flagCount = 0;
    this.createdCount = 0;
  }

  set(map: Map<string, unknown>, field: string, before: unknown): void {
    const i = this.count++;
    this.maps[i] = map;
    this.fields[i] = field;
    this.values[i] = before;
  }

  flags(fold: KeyFold): void {
    const i = this.flagCount++;
    this.keys[i] = fold;
    this.keeps[i] = fold.keep;
    this.trimmedLasts[i] = fold.trimmedLast;
    this.incrementeds[i] = fold.incremented;
    this.events[i] = fold.event;
  }

  created(slot: KeySlot, shard: number): void {
    const i = this.createdCount++;
    this.createdSlots[i] = slot;
    this.createdShards[i] = shard;
  }

  rollBack(): void {
    for (let i = this.count - 1; i >= 0; i--) {
      const before = this.values[i];
      if (before === undefined) this.maps[i]!.delete(this.fields[i]!);
      else this.maps[i]!.set(this.fields[i]!, before);
    }
    for (let i = 0; i < this.flagCount; i++) {
      const fold = this.keys[i]!;
      fold.keep = this.keeps[i];
      fold.trimmedLast = this.trimmedLasts[i]!;
      fold.incremented = this.incrementeds[i]!;
      fold.event = this.events[i]!;
    }
    for (let i = 0; i < this.createdCount; i++) {
      const slot = this.createdSlots[i]!;
      if (slot.place >= 0) slot.fold = undefined;
      else slot.byShard![this.createdShards[i]!] = undefined;
    }
    // Nothing of the fold stays reachable from here.
    this.maps.fill(undefined);
    this.keys.fill(undefined);
    this.createdSlots.fill(undefined);
    this.start();
  }
}

/**
 * Where GenerationFold.commands writes: `key` names a logical key of a shard for the commands that
 * follow (what they carry in place of the key), `command` takes [name, key, ...arguments].
 */
export interface FoldOutput {
  key(shard: number, logical: string): number;
  command(command: [name: RedisCommand[0], key: number, ...args: string[]]): void;
}

/**
 * Checks a batch of GenerationBuild's in-order writes (see there) and advances the sequence past it.
 * A refused batch changes nothing: throws InvalidDelivery when the batch does not continue the chain
 * or repeats an event.
 */
export const checkInOrder = (deliveries: Applied[], sequence: InOrderSequence): void => {
  let mark = sequence.mark;
  // Category -> stream -> revision: this batch's, checked against what came before.
  const seen = new Map<string, Map<string, number>>();
  for (const delivery of deliveries) {
    assertDelivery(delivery);
    const { category, event, prevPosition } = delivery;
    if (prevPosition !== mark) throw new InvalidDelivery(`event ${event.id}: prevPosition ${prevPosition} does not continue the chain at ${mark}`);
    let streams = seen.get(category);
    if (streams === undefined) seen.set(category, (streams = new Map<string, number>()));
    const last = streams.get(event.streamId) ?? sequence.revisions.get(category)?.get(event.streamId);
    if (last !== undefined && last >= event.revision) throw new InvalidDelivery(`event ${event.id}: ${event.streamId}@${event.revision} is already applied`);
    streams.set(event.streamId, event.revision);
    mark = event.position;
  }
  sequence.mark = mark;
  for (const [category, streams] of seen) {
    const known = sequence.revisions.get(category);
    if (known === undefined) sequence.revisions.set(category, streams);
    else for (const [stream, revision] of streams) known.set(stream, revision);
  }
};

/**
 * Which keys of a generation its in-order writes have written: the others hold nothing yet (a new
 * generation is empty, and nothing else writes it), so their increments may go as one HSET or ZADD.
 * Bounded: past `limit` keys, every key counts as written from then on.
 */
export class WrittenKeys {
  private readonly byShard: Set<string>[] = Array.from({ length: shards.count }, () => new Set<string>());
  private size = 0;
  private saturated = false;

  constructor(private readonly limit = 500_000) {}

  /** Whether the key holds nothing yet; it counts as written from now on. */
  fresh(shard: number, logical: string): boolean {
    if (this.saturated) return false;
    const written = this.byShard[shard]!;
    if (written.has(logical)) return false;
    if (this.size >= this.limit) {
      this.saturate();
      return false;
    }
    written.add(logical);
    this.size++;
    return true;
  }

  /** Something else wrote the generation: no key counts as empty any more. */
  saturate(): void {
    this.saturated = true;
    for (const written of this.byShard) written.clear();
  }
}

/** Where a change's key goes: a shard (an entity key), or every event's home (EVENT) or each member's (MEMBER). */
const EVENT = -1;
const MEMBER = -2;

/** Logical keys seen lately and where they go, so a change costs one lookup (no slicing of its key). */
const PLACE_CACHE_SIZE = 100_000;
const placeCache = new Map<string, number>();

const placeOf = (key: string): number => {
  let place = placeCache.get(key);
  if (place === undefined) {
    if (placeCache.size >= PLACE_CACHE_SIZE) placeCache.clear();
    const placement = placementOf(key);
    place = placement === 'entity' ? shards.of(entityIdOf(key)) : placement === 'event' ? EVENT : MEMBER;
    placeCache.set(key, place);
  }
  return place;
};

/** Pairs per HSET or ZADD: bounds a command's size. */
const PAIRS_PER_COMMAND = 1000;

const pushPairs = (out: FoldOutput, name: 'hset' | 'zadd', key: number, pairs: string[]): void => {
  if (pairs.length <= 2 * PAIRS_PER_COMMAND) {
    if (pairs.length > 0) out.command([name, key, ...pairs]);
    return;
  }
  for (let start = 0; start < pairs.length; start += 2 * PAIRS_PER_COMMAND) out.command([name, key, ...pairs.slice(start, start + 2 * PAIRS_PER_COMMAND)]);
};

const safeSum = (a: number, b: number): number => {
  const sum = a + b;
  if (!Number.isSafeInteger(sum)) throw new CannotFold(`the sum ${a} + ${b} leaves the safe integers`);
  return sum;
};
