import { keys } from '../keys';
import type { ReadModelStatus } from '../read-model-store.port';
import type { Slot } from './apply-script';
import { INITIAL_GENERATION, type Keyspace } from './keyspace';
import type { ReadModelScripts } from './scripts';
import { scanAll, unlinkAll, type RedisClient } from './client';
import { shards } from './shards';

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

export type GenerationStatus = Omit<ReadModelStatus, 'generation' | 'rebuilding'>;

/**
 * The generations of one store: the active-generation pointer (cached for queries), the sequence new
 * generations are numbered from, the rebuild lease, the switch, and deleting what is no longer used.
 */
export class Generations {
  private cached?: { generation: string; until: number };
  /** Where the projector's writes go: the active generation, refreshed when the apply script refuses it. */
  readonly live: Slot;

  constructor(
    private readonly redis: RedisClient,
    private readonly keyspace: Keyspace,
    private readonly scripts: ReadModelScripts,
    private readonly cacheMs: number,
  ) {
    this.live = {
      guardKey: keyspace.control('active'),
      guardDefault: INITIAL_GENERATION,
      generation: () => this.active(),
      channel: keyspace.watermarkChannel(),
      refused: (attempt) => {
        this.cached = undefined;
        if (attempt >= 5) throw new Error('the active read-model generation keeps changing');
      },
    };
  }

  /** The generation queries read; `fresh` skips the cache. */
  async active(fresh = false): Promise<string> {
    const now = Date.now();
    if (!fresh && this.cached && this.cached.until > now) return this.cached.generation;
    const generation = (await this.redis.get(this.keyspace.control('active'))) ?? INITIAL_GENERATION;
    this.cached = { generation, until: now + this.cacheMs };
    return generation;
  }

  /** The generation a rebuild holding the lease fills, if any. */
  building(): Promise<string | null> {
    return this.redis.get(this.keyspace.control('lease'));
  }

  async watermarkOf(generation: string): Promise<bigint> {
    return BigInt((await this.redis.get(this.keyspace.mark(generation, keys.watermark))) ?? '0');
  }

  /** The watermark and pending links from the control slot; the counters summed over it and every shard. */
  async statusOf(generation: string): Promise<GenerationStatus> {
    const [[e1, mark], [e2, pending], [e3, stats]] = (await this.redis
      .multi()
      .get(this.keyspace.mark(generation, keys.watermark))
      .hlen(this.keyspace.mark(generation, keys.watermarkPending))
      .hgetall(this.keyspace.mark(generation, keys.stats))
      .exec()) as [Error | null, unknown][];
    const failure = e1 ?? e2 ?? e3;
    if (failure) throw failure;
    const perShard = await Promise.all(shards.everywhere(keys.stats).map((placed) => this.redis.hgetall(this.keyspace.key(generation, placed))));
    const counters: Record<string, number> = {};
    for (const hash of [stats as Record<string, string>, ...perShard]) {
      for (const [field, value] of Object.entries(hash)) counters[field] = (counters[field] ?? 0) + Number(value);
    }
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
      applied: counters.applied ?? 0,
      skipped: counters.skipped ?? 0,
      revisionGaps: counters.gaps ?? 0,
      byCategory,
    };
  }

  /**
   * Numbers a new generation and takes the rebuild lease for it (RebuildInProgress when another
   * rebuild holds it), then deletes what earlier rebuilds that died left behind.
   */
  async begin(leaseMs: number): Promise<string> {
    const generation = `g${await this.redis.incr(this.keyspace.control('sequence'))}`;
    const taken = await this.redis.set(this.keyspace.control('lease'), generation, 'PX', leaseMs, 'NX');
    if (taken !== 'OK') throw new RebuildInProgress(await this.building());
    const live = await this.active(true);
    await this.delete((g) => g !== live && g !== generation);
    return generation;
  }

  /** Writes to a generation a rebuild fills go through while it holds the lease (see GenerationBuild). */
  buildSlot(generation: string): Slot {
    return {
      guardKey: this.keyspace.control('lease'),
      guardDefault: '',
      generation: async () => generation,
      refused: () => {
        throw new GenerationLost(`generation ${generation} lost its rebuild lease`);
      },
    };
  }

  async renewLease(generation: string, leaseMs: number): Promise<boolean> {
    return (await this.scripts.renewLease(this.keyspace.control('lease'), generation, leaseMs)) === 1;
  }

  async releaseLease(generation: string): Promise<boolean> {
    return (await this.scripts.releaseLease(this.keyspace.control('lease'), generation)) === 1;
  }

  /**
   * Runs the switch script (see SWITCH_SCRIPT) against the live generation it reads: 1 switched, 0 not
   * caught up yet, -1 the live generation changed meanwhile, -2 the lease is lost.
   */
  async switchTo(generation: string): Promise<{ result: number; live: string }> {
    const live = await this.active(true);
    const result = await this.scripts.switchGeneration(
      this.keyspace.control('active'),
      this.keyspace.control('lease'),
      this.keyspace.mark(live, keys.watermark),
      this.keyspace.mark(live, keys.watermarkPending),
      this.keyspace.mark(generation, keys.watermark),
      generation,
      live,
      INITIAL_GENERATION,
    );
    if (result === 1) this.cached = { generation, until: Date.now() + this.cacheMs };
    return { result, live };
  }

  /** The keys of every generation the predicate accepts, deleted a thousand at a time. */
  async delete(accept: (generation: string) => boolean): Promise<void> {
    await scanAll(this.redis, this.keyspace.generationsPattern(), 1000, async (found) => {
      const doomed = found.filter((key) => {
        const generation = this.keyspace.generationOf(key);
        return generation !== undefined && accept(generation);
      });
      if (doomed.length > 0) await unlinkAll(this.redis, doomed);
    });
  }

  /** Every generation, the pointer, the sequence and the rebuild lease. */
  async clear(): Promise<void> {
    await this.delete(() => true);
    await this.redis.unlink(...this.keyspace.controls());
    this.cached = undefined;
  }
}

const splitOnce = (text: string, separator: string): [string, string | undefined] => {
  const at = text.indexOf(separator);
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
};
