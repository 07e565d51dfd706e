import { positionToString, type StoredEvent } from '@zan/contracts';
import Redis, { type ChainableCommander } from 'ioredis';
import { keys } from '../keys';
import { projectAll, type Change, type Projection } from '../projection';
import {
  compareLeaderboardEntries,
  createProjections,
  earningsView,
  encodeFeedCursor,
  feedCursorBound,
  feedItemOf,
  redPacketView,
  walletView,
} from '../projections';
import {
  assertDelivery,
  assertLimit,
  assertSkipped,
  type Applied,
  type ApplyTarget,
  type ReadModelStatus,
  InvalidDelivery,
  type ReadModelStore,
  type Skipped,
} from '../read-model-store.port';
import type { EarningsView, FeedPage, FeedQuery, LeaderboardEntry, RedPacketView, WalletView } from '../views';
import { CannotFold, ChangeFold, bulkApplyArgs, pushPairs, type RedisCommand } from './change-fold';
import { APPLY_SCRIPT, LEADERBOARD_SCRIPT, BULK_APPLY_SCRIPT, RELEASE_LEASE_SCRIPT, RENEW_LEASE_SCRIPT, SWITCH_SCRIPT } from './scripts';

export interface RedisReadModelStoreOptions {
  /** A connection (left open by close()) or a URL (the store opens and closes its own). */
  redis: Redis | string;
  /** Put before every key (default `zan:`); clear() deletes the read-model keys under it. */
  prefix?: string;
  /** Items kept per user feed (default 1000). */
  feedLength?: number;
  /**
   * How long a query trusts the active generation it read before reading it again (default 1000 ms).
   * Writes never trust it: the apply script refuses a stale one and the store retries.
   */
  generationCacheMs?: number;
}

export interface BeginRebuildOptions {
  /** The rebuild lease expires this long after its last renewal (default 30 s; renewed every third). */
  leaseMs?: number;
}

/** Another rebuild holds the lease. */
export class RebuildInProgress extends Error {
  override readonly name = 'RebuildInProgress';
  constructor(readonly generation: string | null) {
    super(`a rebuild into generation ${generation ?? '?'} is in progress`);
  }
}

/** The generation a rebuild fills no longer takes writes: its lease expired or the keys were cleared. */
export class GenerationLost extends Error {
  override readonly name = 'GenerationLost';
}

/** The generation before any rebuild: the active-generation pointer is unset until the first switch. */
export const INITIAL_GENERATION = 'g0';
const GENERATION = /^g[0-9]+$/;
/** Keys of the store itself, outside every generation (after the prefix). */
const CONTROL = { active: 'generation', sequence: 'generation-seq', lease: 'rebuild' } as const;

const APPLY = 'zanReadModelApply';
const LEADERBOARD = 'zanReadModelLeaderboard';
const SWITCH = 'zanReadModelSwitch';
const RENEW_LEASE = 'zanReadModelRenewLease';
const RELEASE_LEASE = 'zanReadModelReleaseLease';
const BULK_APPLY = 'zanReadModelBulkApply';

type ScriptCall<R> = (...args: (string | number)[]) => Promise<R>;
interface ReadModelCommands {
  [APPLY]: ScriptCall<number | number[]>;
  [LEADERBOARD]: ScriptCall<string[]>;
  [SWITCH]: ScriptCall<number>;
  [RENEW_LEASE]: ScriptCall<number>;
  [RELEASE_LEASE]: ScriptCall<number>;
  [BULK_APPLY]: ScriptCall<number>;
}

/** Guard, watermark, pending, stats: the first keys of the apply script; others are numbered after. */
const FIXED_KEYS = 4;
/** Events per apply script: bounds how long one script holds Redis. */
const EVENTS_PER_SCRIPT = 200;
/** Folded commands per script of a rebuild's batch (about 1,000 events' worth): the same bound. */
const COMMANDS_PER_SCRIPT = 2000;

/** One event for the apply script: applied with its changes, or skipped with none. */
interface Entry {
  kind: 'a' | 's';
  category: string;
  streamId?: string;
  revision?: number;
  position: bigint;
  prevPosition: bigint;
  changes: Change[];
}

/** Where writes go, and what guards them. */
interface Slot {
  guardKey: string;
  /** The guard's value when its key is unset. */
  guardDefault: string;
  generation(): Promise<string>;
  /** The guard refused the generation: refresh it, or throw when there is no going on. */
  refused(attempt: number): void;
}

/**
 * The read models in Redis (a single node: one event's keys span hash slots). Each event is applied by
 * a Lua script together with its dedupe record and the watermark, so they land together or not at all:
 * a projector that crashes before committing its Kafka offset gets a redelivery that changes nothing.
 *
 * Data lives in generations, `<prefix><generation>:<key>`. The pointer `<prefix>generation` names the
 * one queries read and the projector writes (`g0` until the first rebuild). A rebuild fills a new
 * generation beside it and switches the pointer atomically once the new one has caught up.
 */
export class RedisReadModelStore implements ReadModelStore {
  readonly prefix: string;
  /** @internal */
  readonly redis: Redis;
  private readonly ownsConnection: boolean;
  private readonly projections: Projection[];
  private readonly generationCacheMs: number;
  private cached?: { generation: string; until: number };
  private readonly live: Slot;

  constructor(options: RedisReadModelStoreOptions) {
    this.ownsConnection = typeof options.redis === 'string';
    this.redis = typeof options.redis === 'string' ? new Redis(options.redis) : options.redis;
    // ioredis would prefix KEYS but not the key prefix the leaderboard script builds, nor SCAN patterns.
    if (this.redis.options.keyPrefix) throw new Error('use the store prefix option, not ioredis keyPrefix');
    this.prefix = options.prefix ?? 'zan:';
    this.projections = createProjections({ feedLength: options.feedLength });
    this.generationCacheMs = options.generationCacheMs ?? 1000;
    this.redis.defineCommand(APPLY, { lua: APPLY_SCRIPT });
    this.redis.defineCommand(LEADERBOARD, { lua: LEADERBOARD_SCRIPT, numberOfKeys: 1, readOnly: true });
    this.redis.defineCommand(SWITCH, { lua: SWITCH_SCRIPT, numberOfKeys: 5 });
    this.redis.defineCommand(RENEW_LEASE, { lua: RENEW_LEASE_SCRIPT, numberOfKeys: 1 });
    this.redis.defineCommand(RELEASE_LEASE, { lua: RELEASE_LEASE_SCRIPT, numberOfKeys: 1 });
    this.redis.defineCommand(BULK_APPLY, { lua: BULK_APPLY_SCRIPT });
    this.live = {
      guardKey: this.controlKey('active'),
      guardDefault: INITIAL_GENERATION,
      generation: () => this.generation(),
      refused: (attempt) => {
        this.cached = undefined;
        if (attempt >= 5) throw new Error('the active read-model generation keeps changing');
      },
    };
  }

  async apply(delivery: Applied): Promise<boolean> {
    return this.notified(await this.write(this.live, [this.appliedEntry(delivery)]))[0]!;
  }

  /**
   * Each event is still its own atomic step, applied in the given order, many per round trip. When
   * one fails, the call throws: events before it may stay applied (a retry skips them), none after it is.
   */
  async applyMany(deliveries: Applied[]): Promise<boolean[]> {
    return this.notified(await this.write(this.live, deliveries.map((d) => this.appliedEntry(d))));
  }

  async skip(skipped: Skipped): Promise<boolean> {
    return this.notified(await this.write(this.live, [skippedEntry(skipped)]))[0]!;
  }

  /**
   * One subscriber connection per call (the api makes one per process), on `<prefix>watermark-moved`,
   * published to after every live write that applied something. Pub/sub is at most once: a waiter
   * also re-reads now and then (ReadYourWrites), so a lost message only delays it.
   */
  async onWatermarkMoved(moved: () => void): Promise<() => Promise<void>> {
    const subscriber = this.redis.duplicate();
    subscriber.on('message', () => moved());
    // After a reconnection ioredis subscribes again; what was published meanwhile is lost: re-read.
    subscriber.on('ready', () => moved());
    subscriber.on('error', () => undefined);
    await subscriber.subscribe(this.watermarkChannel());
    return async () => {
      await subscriber.quit().catch(() => subscriber.disconnect());
    };
  }

  /** A pub/sub channel, not a key. */
  private watermarkChannel(): string {
    return `${this.prefix}watermark-moved`;
  }

  private notified(results: boolean[]): boolean[] {
    if (results.some(Boolean)) this.redis.publish(this.watermarkChannel(), '').catch(() => undefined);
    return results;
  }

  async watermark(): Promise<bigint> {
    return this.watermarkOf(await this.generation());
  }

  async status(): Promise<ReadModelStatus> {
    const generation = await this.generation(true);
    const building = await this.redis.get(this.controlKey('lease'));
    const live = await this.generationStatus(generation);
    const status: ReadModelStatus = { generation, ...live };
    if (building && building !== generation) {
      const { watermark, applied, skipped } = await this.generationStatus(building);
      status.rebuilding = { generation: building, watermark, applied, skipped };
    }
    return status;
  }

  async wallet(userId: string): Promise<WalletView | undefined> {
    const generation = await this.generation();
    return walletView(userId, await this.redis.hgetall(this.key(generation, keys.wallet(userId))));
  }

  async earnings(authorId: string): Promise<EarningsView> {
    const generation = await this.generation();
    return earningsView(authorId, await this.redis.hgetall(this.key(generation, keys.earnings(authorId))));
  }

  async leaderboard(limit: number): Promise<LeaderboardEntry[]> {
    assertLimit(limit);
    const generation = await this.generation();
    const flat = await this.commands(this.redis)[LEADERBOARD](
      this.key(generation, keys.authorLeaderboard),
      limit,
      this.key(generation, keys.earnings('')),
    );
    const entries: LeaderboardEntry[] = [];
    for (let i = 0; i < flat.length; i += 3) {
      entries.push({ authorId: flat[i]!, total: Number(flat[i + 1]), tips: Number(flat[i + 2]) });
    }
    return entries.sort(compareLeaderboardEntries);
  }

  async redPacket(redPacketId: string): Promise<RedPacketView | undefined> {
    const generation = await this.generation();
    const results = await this.redis
      .multi()
      .hgetall(this.key(generation, keys.redPacket(redPacketId)))
      .zrange(this.key(generation, keys.redPacketClaims(redPacketId)), 0, -1)
      .exec();
    const [[hashError, hash], [claimsError, claims]] = results ?? [];
    if (hashError || claimsError) throw hashError ?? claimsError;
    return redPacketView(redPacketId, hash as Record<string, string>, claims as string[]);
  }

  async feed(userId: string, { limit, before }: FeedQuery): Promise<FeedPage> {
    assertLimit(limit);
    const generation = await this.generation();
    const max = before === undefined ? '+' : `(${feedCursorBound(before)}`;
    const members = await this.redis.zrange(this.key(generation, keys.feed(userId)), max, '-', 'BYLEX', 'REV', 'LIMIT', 0, limit + 1);
    const page = members.slice(0, limit);
    return {
      items: page.map(feedItemOf),
      ...(members.length > limit ? { nextCursor: encodeFeedCursor(page[page.length - 1]!) } : {}),
    };
  }

  /** Every generation, the pointer, the sequence and the rebuild lease; other keys under the prefix stay. */
  async clear(): Promise<void> {
    await this.deleteGenerations(() => true);
    await this.redis.unlink(...Object.keys(CONTROL).map((name) => this.controlKey(name as keyof typeof CONTROL)));
    this.cached = undefined;
  }

  async close(): Promise<void> {
    if (this.ownsConnection) await this.redis.quit();
  }

  /** The generation queries read; `fresh` skips the cache. */
  async generation(fresh = false): Promise<string> {
    const now = Date.now();
    if (!fresh && this.cached && this.cached.until > now) return this.cached.generation;
    const generation = (await this.redis.get(this.controlKey('active'))) ?? INITIAL_GENERATION;
    this.cached = { generation, until: now + this.generationCacheMs };
    return generation;
  }

  /**
   * Starts filling a new, empty generation (see GenerationBuild). Takes the rebuild lease, so one
   * rebuild runs at a time, and deletes what earlier rebuilds that died left behind.
   */
  async beginRebuild(options: BeginRebuildOptions = {}): Promise<GenerationBuild> {
    const leaseMs = options.leaseMs ?? 30_000;
    const generation = `g${await this.redis.incr(this.controlKey('sequence'))}`;
    const taken = await this.redis.set(this.controlKey('lease'), generation, 'PX', leaseMs, 'NX');
    if (taken !== 'OK') throw new RebuildInProgress(await this.redis.get(this.controlKey('lease')));
    const live = await this.generation(true);
    await this.deleteGenerations((g) => g !== live && g !== generation);
    return new GenerationBuild(this, generation, leaseMs);
  }

  /** @internal */
  async write(slot: Slot, entries: Entry[]): Promise<boolean[]> {
    const results: boolean[] = [];
    for (let start = 0; start < entries.length; start += EVENTS_PER_SCRIPT) {
      const chunk = entries.slice(start, start + EVENTS_PER_SCRIPT);
      for (let attempt = 1; ; attempt++) {
        const generation = await slot.generation();
        const reply = await this.commands(this.redis)[APPLY](...this.applyArgs(generation, slot, chunk));
        if (Array.isArray(reply)) {
          results.push(...reply.map((r) => r === 1));
          break;
        }
        slot.refused(attempt);
      }
    }
    return results;
  }

  /** @internal */
  async watermarkOf(generation: string): Promise<bigint> {
    return BigInt((await this.redis.get(this.key(generation, keys.watermark))) ?? '0');
  }

  /** @internal */
  async generationStatus(generation: string): Promise<Omit<ReadModelStatus, 'generation' | 'rebuilding'>> {
    const [[e1, mark], [e2, pending], [e3, stats]] = (await this.redis
      .multi()
      .get(this.key(generation, keys.watermark))
      .hlen(this.key(generation, keys.watermarkPending))
      .hgetall(this.key(generation, keys.stats))
      .exec()) as [Error | null, unknown][];
    if (e1 || e2 || e3) throw e1 ?? e2 ?? e3;
    const counters = stats as Record<string, string>;
    const byCategory: ReadModelStatus['byCategory'] = {};
    for (const [field, value] of Object.entries(counters)) {
      const [counter, category] = splitOnce(field, ':');
      if (category === undefined || (counter !== 'applied' && counter !== 'skipped')) continue;
      byCategory[category] ??= { applied: 0, skipped: 0 };
      byCategory[category][counter] = Number(value);
    }
    return {
      watermark: BigInt((mark as string | null) ?? '0'),
      pending: pending as number,
      applied: Number(counters.applied ?? 0),
      skipped: Number(counters.skipped ?? 0),
      byCategory,
    };
  }

  /** @internal Runs the switch script (see SWITCH_SCRIPT) against the live generation it reads. */
  async switchTo(generation: string): Promise<{ result: number; live: string }> {
    const live = await this.generation(true);
    const result = await this.commands(this.redis)[SWITCH](
      this.controlKey('active'),
      this.controlKey('lease'),
      this.key(live, keys.watermark),
      this.key(live, keys.watermarkPending),
      this.key(generation, keys.watermark),
      generation,
      live,
      INITIAL_GENERATION,
    );
    if (result === 1) this.cached = { generation, until: Date.now() + this.generationCacheMs };
    return { result, live };
  }

  /** @internal */
  async leaseCommand(command: 'renew' | 'release', generation: string, leaseMs: number): Promise<boolean> {
    const lease = this.controlKey('lease');
    const commands = this.commands(this.redis);
    const result = command === 'renew' ? await commands[RENEW_LEASE](lease, generation, leaseMs) : await commands[RELEASE_LEASE](lease, generation);
    return result === 1;
  }

  /** @internal The keys of every generation the predicate accepts, deleted a thousand at a time. */
  async deleteGenerations(accept: (generation: string) => boolean): Promise<void> {
    const match = `${escapeGlob(this.prefix)}g[0-9]*`;
    let cursor = '0';
    do {
      const [next, found] = await this.redis.scan(cursor, 'MATCH', match, 'COUNT', 1000);
      const doomed = found.filter((key) => {
        const generation = key.slice(this.prefix.length).split(':', 1)[0]!;
        return GENERATION.test(generation) && accept(generation);
      });
      if (doomed.length > 0) await this.redis.unlink(...doomed);
      cursor = next;
    } while (cursor !== '0');
  }

  /** @internal */
  leaseKey(): string {
    return this.controlKey('lease');
  }

  /** @internal */
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
      changes: projectAll(this.projections, event),
    };
  }

  /** @internal Every projection's changes for one event, checked (throws when none can apply it). */
  project(event: StoredEvent): Change[] {
    return projectAll(this.projections, event);
  }

  /** @internal Plain commands in one script, written only while the guard key holds guardValue. */
  bulkApply(guardKey: string, guardValue: string, commands: readonly RedisCommand[]): Promise<number> {
    return this.commands(this.redis)[BULK_APPLY](...bulkApplyArgs(guardKey, guardValue, commands));
  }

  /** @internal */
  key(generation: string, logical: string): string {
    return `${this.prefix}${generation}:${logical}`;
  }

  private controlKey(name: keyof typeof CONTROL): string {
    return this.prefix + CONTROL[name];
  }

  private commands(target: Redis | ChainableCommander): ReadModelCommands {
    return target as unknown as ReadModelCommands;
  }

  /** numkeys, KEYS, ARGV of the apply script (see scripts.ts). */
  private applyArgs(generation: string, slot: Slot, entries: Entry[]): (string | number)[] {
    const allKeys = [
      slot.guardKey,
      this.key(generation, keys.watermark),
      this.key(generation, keys.watermarkPending),
      this.key(generation, keys.stats),
    ];
    const indexOf = new Map<string, number>();
    const keyIndex = (logical: string): number => {
      let index = indexOf.get(logical);
      if (index === undefined) {
        allKeys.push(this.key(generation, logical));
        index = allKeys.length;
        indexOf.set(logical, index);
      }
      return index;
    };
    const batch = entries.map((entry) => [
      entry.kind,
      keyIndex(keys.applied(entry.category)),
      entry.category,
      entry.streamId ?? '',
      entry.revision === undefined ? '' : String(entry.revision),
      positionToString(entry.position),
      positionToString(entry.prevPosition),
      entry.changes.map((change) => toWire(change, keyIndex(change.key))),
    ]);
    return [allKeys.length, ...allKeys, generation, slot.guardDefault, JSON.stringify(batch)];
  }
}

/**
 * A new generation being filled by a rebuild, beside the live one that keeps answering queries and
 * taking the projector's writes. Writes go to this generation only while the rebuild holds its lease
 * (renewed in the background). `trySwitch()` makes it the live one once it has caught up; `finish()`
 * then deletes the old generation after readers have stopped using it; `abort()` throws it away.
 */
export class GenerationBuild implements ApplyTarget {
  private readonly slot: Slot;
  private readonly renewal: NodeJS.Timeout;
  private previous?: string;
  private ended = false;
  /**
   * What applyInOrder knows of the generation it fills alone: the watermark, and the last revision
   * applied per category and stream (the dedupe records). Dropped once anything else writes it.
   */
  private sequence?: { mark: bigint; revisions: Map<string, Map<string, number>> } = { mark: 0n, revisions: new Map() };

  /** @internal Made by RedisReadModelStore.beginRebuild. */
  constructor(
    readonly store: RedisReadModelStore,
    readonly generation: string,
    private readonly leaseMs: number,
  ) {
    this.slot = {
      guardKey: store.leaseKey(),
      guardDefault: '',
      generation: async () => generation,
      refused: () => {
        throw new GenerationLost(`generation ${generation} lost its rebuild lease`);
      },
    };
    this.renewal = setInterval(() => void store.leaseCommand('renew', generation, leaseMs).catch(() => undefined), Math.max(10, leaseMs / 3));
    this.renewal.unref();
  }

  async apply(delivery: Applied): Promise<boolean> {
    this.sequence = undefined;
    return (await this.store.write(this.slot, [this.store.appliedEntry(delivery)]))[0]!;
  }

  async applyMany(deliveries: Applied[]): Promise<boolean[]> {
    this.sequence = undefined;
    return this.store.write(this.slot, deliveries.map((d) => this.store.appliedEntry(d)));
  }

  async skip(skipped: Skipped): Promise<boolean> {
    this.sequence = undefined;
    return (await this.store.write(this.slot, [skippedEntry(skipped)]))[0]!;
  }

  /**
   * The rebuild's fast path: a batch of history in global order, continuing this generation's chain
   * (the first delivery's prevPosition is the watermark), written by its only writer. Leaves exactly
   * what applyMany() would, with one checkpoint per batch instead of per event: the batch's changes are
   * folded into the fewest commands (ChangeFold), the dedupe records and counters into one command
   * each, all sent with the watermark in one script that writes only while the rebuild holds its lease.
   * A batch the fold cannot take goes through the per-event script instead. An event no projection can
   * apply is recorded as skipped, as applyOrSkip does, and reported to onSkip.
   *
   * The work in JavaScript is done when this returns; the promise settles when Redis has the batch, so
   * the caller can prepare the next batch meanwhile (calls land in order on the one connection).
   * Resolves to the number of events skipped. Throws InvalidDelivery when the batch does not continue
   * the chain or repeats an event, and when apply(), applyMany() or skip() wrote this generation.
   * Unlike the per-event path, a command Redis refuses fails the batch (a fresh generation of keys of
   * one kind each only refuses an increment past 2^63).
   */
  applyInOrder(deliveries: Applied[], onSkip?: (event: StoredEvent, error: unknown) => void): Promise<number> {
    try {
      return this.writeInOrder(deliveries, onSkip);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private writeInOrder(deliveries: Applied[], onSkip?: (event: StoredEvent, error: unknown) => void): Promise<number> {
    if (this.ended) throw new Error(`generation ${this.generation}: the rebuild has ended`);
    const sequence = this.sequence;
    if (!sequence) throw new InvalidDelivery(`generation ${this.generation}: applyInOrder after apply, applyMany or skip`);
    if (deliveries.length === 0) return Promise.resolve(0);

    // First the checks, so a refused batch changes nothing.
    let mark = sequence.mark;
    // Category -> stream -> revision: this batch's dedupe records.
    const seen = new Map<string, Map<string, number>>();
    for (const delivery of deliveries) {
      assertDelivery(delivery);
      const { category, event, prevPosition } = delivery;
      if (prevPosition !== mark) throw new InvalidDelivery(`event ${event.id}: prevPosition ${prevPosition} does not continue the chain at ${mark}`);
      let streams = seen.get(category);
      if (streams === undefined) seen.set(category, (streams = new Map()));
      const last = streams.get(event.streamId) ?? sequence.revisions.get(category)?.get(event.streamId);
      if (last !== undefined && last >= event.revision) throw new InvalidDelivery(`event ${event.id}: ${event.streamId}@${event.revision} is already applied`);
      streams.set(event.streamId, event.revision);
      mark = event.position;
    }

    const fold = new ChangeFold();
    let foldable = true;
    const changesOf: (Change[] | undefined)[] = [];
    const skips: [StoredEvent, unknown][] = [];
    const counters = new Map<string, { applied: number; skipped: number }>();
    for (const { category, event, prevPosition } of deliveries) {
      let changes: Change[] | undefined;
      try {
        changes = this.store.project(event);
      } catch (error) {
        // As applyOrSkip: the event's own fault, recorded as skipped (a bad skip record throws).
        assertSkipped({ category, streamId: event.streamId, revision: event.revision, position: event.position, prevPosition });
        skips.push([event, error]);
      }
      changesOf.push(changes);
      if (changes && foldable) {
        try {
          for (const change of changes) fold.add(change);
        } catch (error) {
          if (!(error instanceof CannotFold)) throw error;
          foldable = false;
        }
      }
      let counter = counters.get(category);
      if (counter === undefined) counters.set(category, (counter = { applied: 0, skipped: 0 }));
      if (changes) counter.applied++;
      else counter.skipped++;
    }
    let commands: RedisCommand[] | undefined;
    if (foldable) {
      try {
        commands = fold.commands((logical) => this.store.key(this.generation, logical));
      } catch (error) {
        if (!(error instanceof CannotFold)) throw error;
      }
    }
    sequence.mark = mark;
    for (const [category, streams] of seen) {
      const known = sequence.revisions.get(category);
      if (known === undefined) sequence.revisions.set(category, new Map(streams));
      else for (const [stream, revision] of streams) known.set(stream, revision);
    }
    for (const [event, error] of skips) onSkip?.(event, error);

    if (!commands) {
      const entries = deliveries.map(({ category, event, prevPosition }, i): Entry => {
        const base = { category, streamId: event.streamId, revision: event.revision, position: event.position, prevPosition };
        const changes = changesOf[i];
        return changes ? { kind: 'a', ...base, changes } : { kind: 's', ...base, changes: [] };
      });
      return this.store.write(this.slot, entries).then(() => skips.length);
    }
    for (const [category, streams] of seen) {
      const pairs: string[] = [];
      for (const [stream, revision] of streams) pairs.push(stream, String(revision));
      pushPairs(commands, 'hset', this.store.key(this.generation, keys.applied(category)), pairs);
    }
    const stats = this.store.key(this.generation, keys.stats);
    const totals = { applied: 0, skipped: 0 };
    for (const [category, counter] of counters) {
      for (const kind of ['applied', 'skipped'] as const) {
        if (counter[kind] === 0) continue;
        totals[kind] += counter[kind];
        commands.push(['hincrby', stats, `${kind}:${category}`, String(counter[kind])]);
      }
    }
    for (const kind of ['applied', 'skipped'] as const) if (totals[kind] > 0) commands.push(['hincrby', stats, kind, String(totals[kind])]);
    commands.push(['set', this.store.key(this.generation, keys.watermark), positionToString(mark)]);
    // Scripts of bounded size, whatever the batch size, so none holds Redis long; sent back to back,
    // they run in order, the watermark last.
    const scripts: Promise<number>[] = [];
    for (let start = 0; start < commands.length; start += COMMANDS_PER_SCRIPT) {
      scripts.push(this.store.bulkApply(this.store.leaseKey(), this.generation, commands.slice(start, start + COMMANDS_PER_SCRIPT)));
    }
    return Promise.all(scripts).then((results) => {
      if (results.some((result) => result !== 1)) throw new GenerationLost(`generation ${this.generation} lost its rebuild lease`);
      return skips.length;
    });
  }

  watermark(): Promise<bigint> {
    return this.store.watermarkOf(this.generation);
  }

  async status(): Promise<ReadModelStatus> {
    return { generation: this.generation, ...(await this.store.generationStatus(this.generation)) };
  }

  /**
   * Makes this generation the live one if it has applied everything the live one has (its watermark
   * at or past the live watermark and every live pending position); false when not yet.
   */
  async trySwitch(): Promise<boolean> {
    if (this.ended) throw new Error(`generation ${this.generation}: the rebuild has ended`);
    const { result, live } = await this.store.switchTo(this.generation);
    if (result === -2) throw new GenerationLost(`generation ${this.generation} lost its rebuild lease`);
    if (result === 1) this.previous = live;
    // -1: the live generation changed between reading and switching (a clear()); the next try reads it again.
    return result === 1;
  }

  /**
   * After the switch: waits until every reader has dropped the old generation from its cache (longer
   * than any reader's generationCacheMs), deletes it and releases the lease.
   */
  async finish(options: { retireAfterMs?: number } = {}): Promise<void> {
    if (this.previous === undefined) throw new Error(`generation ${this.generation} is not live: call trySwitch() first`);
    await new Promise((resolve) => setTimeout(resolve, options.retireAfterMs ?? 5000));
    const previous = this.previous;
    await this.store.deleteGenerations((g) => g === previous);
    await this.end();
  }

  /** Deletes this generation, unless it became the live one, and releases the lease. */
  async abort(): Promise<void> {
    if (this.ended) return;
    if ((await this.store.generation(true)) !== this.generation) await this.store.deleteGenerations((g) => g === this.generation);
    await this.end();
  }

  private async end(): Promise<void> {
    this.ended = true;
    clearInterval(this.renewal);
    await this.store.leaseCommand('release', this.generation, this.leaseMs);
  }
}

const skippedEntry = (skipped: Skipped): Entry => {
  assertSkipped(skipped);
  return { kind: 's', ...skipped, changes: [] };
};

const escapeGlob = (text: string): string => text.replace(/[*?[\]\\]/g, '\\$&');

const splitOnce = (text: string, separator: string): [string, string | undefined] => {
  const at = text.indexOf(separator);
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
};

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
