import type { StoredEvent } from '@zan/contracts';
import { entityIdOf, keys, placementOf } from '../keys';
import type { Change } from '../projection';
import { assertDelivery, assertSkipped, InvalidDelivery, type Applied } from '../read-model-store.port';
import type { Entry } from './apply-script';
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
}

const INTEGER = /^-?(0|[1-9][0-9]*)$/;

/**
 * The changes, dedupe records and counters of a run of events in global order, folded per slot group
 * (shards.ts) into what leaves the same state as applying them one by one with ApplyScript: a key's
 * last value, its summed increments, its members and one trim. Only for a generation that this
 * writer alone fills (a rebuild): nothing else may write those keys between the events.
 *
 * A rebuild folds each page of history into a fold of its own (`addEvent` throws CannotFold when a
 * page cannot be folded exactly, and the page goes event by event), then into the window that
 * collects many pages (`absorb`, false when the two do not fold together: the window is written
 * first), so a hot key costs one write per window rather than one per page.
 */
export class GenerationFold {
  /** Per shard: logical key -> its fold. */
  private readonly folds: Map<string, KeyFold>[] = Array.from({ length: shards.count }, () => new Map<string, KeyFold>());
  /** Per shard: category -> stream -> the revision of the last event of that stream that wrote the shard. */
  private readonly dedupe: Map<string, Map<string, number>>[] = Array.from({ length: shards.count }, () => new Map<string, Map<string, number>>());
  /** Fields, members and dedupe records held: what the window's size is counted in. */
  entries = 0;
  /** Events folded. */
  events = 0;
  /** The position of the last event folded. */
  mark = 0n;
  /** Trimmed keys whose last change is an add: such a fold cannot be written (see KeyFold.trimmedLast). */
  private untrimmed = 0;
  /** Ranking keys an event added to, by shard (what its ztrim of the key trims). */
  private readonly rankShards = new Map<string, number>();

  /**
   * Folds one event: `changes` (undefined for an event no projection can apply: a skip, recorded in
   * every shard as ApplyScript records it), its dedupe records in every shard it writes and its
   * counter in its home shard. Throws CannotFold when a change cannot be folded (the fold is then
   * unusable).
   */
  addEvent(category: string, event: StoredEvent, changes: Change[] | undefined): void {
    const home = shards.of(event.streamId);
    let touched = 1 << home;
    if (changes === undefined) {
      touched = (1 << shards.count) - 1;
    } else {
      this.rankShards.clear();
      for (const change of changes) {
        const place = placeOf(change.key);
        if (place >= 0) {
          touched |= 1 << place;
          this.add(place, change);
        } else if (place === EVENT) {
          this.add(home, change);
        } else if (change.op === 'zadd' || change.op === 'zincrby') {
          const shard = shards.of(change.member);
          touched |= 1 << shard;
          this.rankShards.set(change.key, (this.rankShards.get(change.key) ?? 0) | (1 << shard));
          this.add(shard, change);
        } else if (change.op === 'ztrim') {
          const mask = this.rankShards.get(change.key) ?? 1 << home;
          for (let shard = 0; shard < shards.count; shard++) if (mask & (1 << shard)) this.add(shard, change);
        } else {
          throw new Error(`${change.op} ${change.key}: a ranking (placement 'member') takes zadd, zincrby and ztrim only`);
        }
      }
    }
    for (let shard = 0; shard < shards.count; shard++) {
      if (!(touched & (1 << shard))) continue;
      const categories = this.dedupe[shard]!;
      let streams = categories.get(category);
      if (streams === undefined) categories.set(category, (streams = new Map<string, number>()));
      const size = streams.size;
      streams.set(event.streamId, event.revision);
      this.entries += streams.size - size;
    }
    const counters = this.keyFold(home, keys.stats);
    const names = counterNames(category, changes !== undefined);
    this.increment(counters, names[0], 1);
    this.increment(counters, names[1], 1);
    this.events++;
    this.mark = event.position;
  }

  /** False when a key's trim has an add after it: such a fold cannot be written as it is. */
  get writable(): boolean {
    return this.untrimmed === 0;
  }

  private keyFold(shard: number, key: string): KeyFold {
    const folds = this.folds[shard]!;
    let fold = folds.get(key);
    if (fold === undefined) folds.set(key, (fold = { trimmedLast: false, incremented: false }));
    return fold;
  }

  private increment(fold: KeyFold, field: string, by: number, change?: Change): void {
    const value = fold.hset?.get(field);
    if (value !== undefined) {
      if (!INTEGER.test(value)) throw new CannotFold(`hincrby ${change?.key} ${field}: the field holds ${JSON.stringify(value)}`);
      fold.hset!.set(field, String(safeSum(Number(value), by)));
      return;
    }
    const fields = (fold.hincr ??= new Map<string, number>());
    const sum = fields.get(field);
    if (sum === undefined) this.entries++;
    fields.set(field, sum === undefined ? by : safeSum(sum, by));
  }

  private add(shard: number, change: Change): void {
    const fold = this.keyFold(shard, change.key);
    switch (change.op) {
      case 'hset': {
        const fields = (fold.hset ??= new Map<string, string>());
        for (const field in change.values) {
          if (fold.hincr?.delete(field)) this.entries--;
          const size = fields.size;
          fields.set(field, String(change.values[field]));
          this.entries += fields.size - size;
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
          fold.zadd!.set(change.member, safeSum(score, change.by));
          return;
        }
        const members = (fold.zincr ??= new Map<string, number>());
        const sum = members.get(change.member);
        if (sum === undefined) this.entries++;
        members.set(change.member, sum === undefined ? change.by : safeSum(sum, change.by));
        return;
      }
      case 'zadd': {
        const members = (fold.zadd ??= new Map<string, number>());
        const score = members.get(change.member);
        const incremented = fold.zincr?.has(change.member) === true;
        if (fold.keep !== undefined && (incremented || (score !== undefined && score !== change.score))) {
          throw new CannotFold(`zadd ${change.key}: a trimmed sorted set must keep its scores`);
        }
        if (incremented) {
          fold.zincr!.delete(change.member);
          this.entries--;
        }
        if (score === undefined) this.entries++;
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
   * Folds `later` (the events right after this fold's, itself writable) into this one, unless some
   * key's writes in the two cannot be folded together exactly: then false, and nothing changed.
   * `later` is consumed.
   */
  absorb(later: GenerationFold): boolean {
    for (let shard = 0; shard < shards.count; shard++) {
      const mine = this.folds[shard]!;
      for (const [key, next] of later.folds[shard]!) {
        const fold = mine.get(key);
        if (fold !== undefined && !foldsWith(fold, next)) return false;
      }
    }
    for (let shard = 0; shard < shards.count; shard++) {
      const mine = this.folds[shard]!;
      for (const [key, next] of later.folds[shard]!) {
        const fold = mine.get(key);
        if (fold === undefined) mine.set(key, next);
        else this.merge(fold, next);
      }
      const categories = this.dedupe[shard]!;
      for (const [category, streams] of later.dedupe[shard]!) {
        const mineStreams = categories.get(category);
        if (mineStreams === undefined) {
          categories.set(category, streams);
          continue;
        }
        const size = mineStreams.size;
        for (const [stream, revision] of streams) mineStreams.set(stream, revision);
        this.entries += mineStreams.size - size - streams.size;
      }
    }
    this.entries += later.entries;
    this.events += later.events;
    this.mark = later.mark;
    return true;
  }

  /** Merges a key's later fold into its earlier one (foldsWith said they fold together). */
  private merge(fold: KeyFold, next: KeyFold): void {
    let before = sizeOf(fold) + sizeOf(next);
    if (next.hset) {
      const fields = (fold.hset ??= new Map<string, string>());
      for (const [field, value] of next.hset) {
        fold.hincr?.delete(field);
        fields.set(field, value);
      }
    }
    if (next.hincr) {
      for (const [field, by] of next.hincr) {
        const value = fold.hset?.get(field);
        if (value !== undefined) fold.hset!.set(field, String(Number(value) + by));
        else (fold.hincr ??= new Map<string, number>()).set(field, (fold.hincr.get(field) ?? 0) + by);
      }
    }
    if (next.zadd) {
      const members = (fold.zadd ??= new Map<string, number>());
      for (const [member, score] of next.zadd) {
        fold.zincr?.delete(member);
        members.set(member, score);
      }
    }
    if (next.zincr) {
      for (const [member, by] of next.zincr) {
        const score = fold.zadd?.get(member);
        if (score !== undefined) fold.zadd!.set(member, score + by);
        else (fold.zincr ??= new Map<string, number>()).set(member, (fold.zincr.get(member) ?? 0) + by);
      }
    }
    if (next.keep !== undefined) {
      fold.keep = next.keep;
      fold.trimmedLast = next.trimmedLast;
    }
    fold.incremented ||= next.incremented;
    before -= sizeOf(fold);
    this.entries -= before;
  }

  /**
   * The fold as plain commands to `out`, shard by shard, key by key. A key `fresh` says holds nothing
   * yet takes its fields and members in one HSET or ZADD (an increment of a field or member that
   * does not exist sets it); the others take HINCRBY and ZINCRBY per field and member.
   */
  commands(out: FoldOutput, fresh: (shard: number, logical: string) => boolean): void {
    if (!this.writable) throw new CannotFold('a trimmed key has an add after its last trim');
    for (let shard = 0; shard < shards.count; shard++) {
      for (const [logical, fold] of this.folds[shard]!) {
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
      for (const [category, streams] of this.dedupe[shard]!) {
        const pairs: string[] = [];
        for (const [stream, revision] of streams) pairs.push(stream, String(revision));
        pushPairs(out, 'hset', out.key(shard, keys.applied(category)), pairs);
      }
    }
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
 * Folds a batch of GenerationBuild's in-order writes (see there) and advances the sequence past it.
 * Checks first, so a refused batch changes nothing: throws InvalidDelivery when the batch does not
 * continue the chain or repeats an event. An event no projection can apply is folded as skipped and
 * listed in `skips`. When the batch cannot be folded exactly, `entries` holds it for the per-event
 * scripts instead.
 */
export const foldInOrder = (
  deliveries: Applied[],
  sequence: InOrderSequence,
  project: (event: StoredEvent) => Change[],
): { fold: GenerationFold; skips: [StoredEvent, unknown][] } | { entries: Entry[]; skips: [StoredEvent, unknown][] } => {
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

  const skips: [StoredEvent, unknown][] = [];
  const changesOf: (Change[] | undefined)[] = [];
  let fold: GenerationFold | undefined = new GenerationFold();
  for (const { category, event, prevPosition } of deliveries) {
    let changes: Change[] | undefined;
    try {
      changes = project(event);
    } catch (error) {
      // As applyOrSkip: the event's own fault, recorded as skipped (a bad skip record throws).
      assertSkipped({ category, streamId: event.streamId, revision: event.revision, position: event.position, prevPosition });
      skips.push([event, error]);
    }
    changesOf.push(changes);
    if (fold === undefined) continue;
    try {
      fold.addEvent(category, event, changes);
    } catch (error) {
      if (!(error instanceof CannotFold)) throw error;
      fold = undefined;
    }
  }
  if (fold?.writable) return { fold, skips };
  const entries = deliveries.map(({ category, event, prevPosition }, i): Entry => {
    const base = { category, streamId: event.streamId, revision: event.revision, position: event.position, prevPosition };
    const changes = changesOf[i];
    return changes ? { kind: 'a', ...base, changes } : { kind: 's', ...base, changes: [] };
  });
  return { entries, skips };
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

/** Whether a key's later fold folds into its earlier one exactly (see ChangeFold's rules). */
const foldsWith = (fold: KeyFold, next: KeyFold): boolean => {
  if (next.hincr) {
    for (const [field, by] of next.hincr) {
      const value = fold.hset?.get(field);
      if (value !== undefined) {
        if (!INTEGER.test(value) || !Number.isSafeInteger(Number(value) + by)) return false;
      } else if (!Number.isSafeInteger((fold.hincr?.get(field) ?? 0) + by)) return false;
    }
  }
  const trimmed = fold.keep !== undefined || next.keep !== undefined;
  if (trimmed && (fold.incremented || next.incremented)) return false;
  if (fold.keep !== undefined && next.keep !== undefined && fold.keep !== next.keep) return false;
  // An add after the earlier fold's trim needs a trim after it.
  if (fold.keep !== undefined && next.keep === undefined && next.zadd) return false;
  if (next.zincr) {
    for (const [member, by] of next.zincr) {
      if (!Number.isSafeInteger((fold.zadd?.get(member) ?? fold.zincr?.get(member) ?? 0) + by)) return false;
    }
  }
  if (trimmed && next.zadd && (fold.zadd || fold.zincr)) {
    // A trimmed set's members keep their scores.
    for (const [member, score] of next.zadd) {
      if (fold.zincr?.has(member)) return false;
      const earlier = fold.zadd?.get(member);
      if (earlier !== undefined && earlier !== score) return false;
    }
  }
  return true;
};

const sizeOf = (fold: KeyFold): number => (fold.hset?.size ?? 0) + (fold.hincr?.size ?? 0) + (fold.zadd?.size ?? 0) + (fold.zincr?.size ?? 0);

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

/** The counter fields of an event of a category: [applied|skipped, applied:<category>|skipped:<category>]. */
const counterFields = new Map<string, [string, string][]>();
const counterNames = (category: string, applied: boolean): [string, string] => {
  let names = counterFields.get(category);
  if (names === undefined)
    counterFields.set(
      category,
      (names = [
        ['skipped', `skipped:${category}`],
        ['applied', `applied:${category}`],
      ]),
    );
  return names[applied ? 1 : 0]!;
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
