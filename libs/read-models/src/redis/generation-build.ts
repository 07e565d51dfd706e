import type { StoredEvent } from '@zan/contracts';
import { InvalidDelivery, type Applied, type ApplyTarget, type ReadModelStatus, type Skipped } from '../read-model-store.port';
import type { ApplyScript, Slot } from './apply-script';
import { bulkApplyArgs } from './change-fold';
import { GenerationLost, type Generations } from './generations';
import { planInOrder, type InOrderSequence } from './in-order-batch';
import type { Keyspace } from './keyspace';
import type { ReadModelScripts } from './scripts';

/** What a build uses of its store; RedisReadModelStore.beginRebuild hands it over. */
export interface GenerationBuildParts {
  generation: string;
  leaseMs: number;
  keyspace: Keyspace;
  scripts: ReadModelScripts;
  generations: Generations;
  writer: ApplyScript;
  /** A single Redis: a batch's scripts may span the slot groups. */
  oneNode: boolean;
}

/**
 * A new generation being filled by a rebuild, beside the live one that keeps answering queries and
 * taking the projector's writes. Writes go to this generation only while the rebuild holds its lease
 * (renewed in the background). `trySwitch()` makes it the live one once it has caught up; `finish()`
 * then deletes the old generation after readers have stopped using it; `abort()` throws it away.
 */
export class GenerationBuild implements ApplyTarget {
  readonly generation: string;
  private readonly slot: Slot;
  private readonly renewal: NodeJS.Timeout;
  private previous?: string;
  private ended = false;
  /** What applyInOrder knows of the generation it fills alone; dropped once anything else writes it. */
  private sequence?: InOrderSequence = { mark: 0n, revisions: new Map() };
  /** The last applyInOrder batch's watermark write: the next one waits for it. */
  private marked: Promise<void> = Promise.resolve();

  constructor(private readonly parts: GenerationBuildParts) {
    const { generation, leaseMs, generations } = parts;
    this.generation = generation;
    this.slot = generations.buildSlot(generation);
    this.renewal = setInterval(() => void generations.renewLease(generation, leaseMs).catch(() => undefined), Math.max(10, leaseMs / 3));
    this.renewal.unref();
  }

  async apply(delivery: Applied): Promise<boolean> {
    this.sequence = undefined;
    return (await this.parts.writer.write(this.slot, [this.parts.writer.appliedEntry(delivery)]))[0]!;
  }

  async applyMany(deliveries: Applied[]): Promise<boolean[]> {
    this.sequence = undefined;
    return this.parts.writer.write(
      this.slot,
      deliveries.map((d) => this.parts.writer.appliedEntry(d)),
    );
  }

  async skip(skipped: Skipped): Promise<boolean> {
    this.sequence = undefined;
    return (await this.parts.writer.write(this.slot, [this.parts.writer.skippedEntry(skipped)]))[0]!;
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
    const { keyspace, scripts, writer } = this.parts;
    const plan = planInOrder(
      deliveries,
      sequence,
      (event) => writer.project(event),
      (placed) => keyspace.key(this.generation, placed),
      this.parts.oneNode,
    );
    for (const [event, error] of plan.skips) onSkip?.(event, error);
    if ('entries' in plan) {
      // Its links continue the previous batch's watermark: sent after it (on one Redis this batch's
      // script would otherwise overtake that watermark and park its links, which nothing then pulls in).
      const written = this.marked.then(() => writer.write(this.slot, plan.entries)).then(() => plan.skips.length);
      this.marked = written.then(() => undefined);
      this.marked.catch(() => undefined);
      return written;
    }
    const lease = keyspace.control('lease');
    // Each shard's scripts unguarded (a lost rebuild's last writes land in a generation never read),
    // then the counters and the watermark under the lease, after this batch's shards and the
    // previous batch's watermark: the watermark never passes what a shard does not have yet.
    const written = Promise.all(plan.scripts.map((commands) => scripts.bulkApply(...bulkApplyArgs(commands[0]![1], '', commands))));
    const previous = this.marked;
    const marked = Promise.all([written, previous]).then(async () => {
      if ((await scripts.bulkApply(...bulkApplyArgs(lease, this.generation, plan.mark))) !== 1) {
        throw new GenerationLost(`generation ${this.generation} lost its rebuild lease`);
      }
      return plan.skips.length;
    });
    this.marked = marked.then(() => undefined);
    // Handled here for the rejection's sake; the next batch still sees it and fails too.
    this.marked.catch(() => undefined);
    return marked;
  }

  watermark(): Promise<bigint> {
    return this.parts.generations.watermarkOf(this.generation);
  }

  async status(): Promise<ReadModelStatus> {
    return { generation: this.generation, ...(await this.parts.generations.statusOf(this.generation)) };
  }

  /**
   * Makes this generation the live one if it has applied everything the live one has (its watermark
   * at or past the live watermark and every live pending position); false when not yet.
   */
  async trySwitch(): Promise<boolean> {
    if (this.ended) throw new Error(`generation ${this.generation}: the rebuild has ended`);
    const { result, live } = await this.parts.generations.switchTo(this.generation);
    if (result === -2) throw new GenerationLost(`generation ${this.generation} lost its rebuild lease`);
    if (result === 1) this.previous = live;
    // -1: the live generation changed between reading and switching (a clear()); the next try reads it again.
    return result === 1;
  }

  /**
   * After the switch: waits until every reader has dropped the old generation from its cache (longer
   * than any reader's generationCacheMs), deletes it (and any other left behind) and releases the lease.
   */
  async finish(options: { retireAfterMs?: number } = {}): Promise<void> {
    if (this.previous === undefined) throw new Error(`generation ${this.generation} is not live: call trySwitch() first`);
    await new Promise((resolve) => setTimeout(resolve, options.retireAfterMs ?? 5000));
    // Every generation but this one: the old live one, and what a writer that had not yet seen an
    // earlier switch left in a retired generation (the shards' scripts cannot check the pointer).
    await this.parts.generations.delete((g) => g !== this.generation);
    await this.end();
  }

  /** Deletes this generation, unless it became the live one, and releases the lease. */
  async abort(): Promise<void> {
    if (this.ended) return;
    const { generations } = this.parts;
    if ((await generations.active(true)) !== this.generation) await generations.delete((g) => g === this.generation);
    await this.end();
  }

  private async end(): Promise<void> {
    this.ended = true;
    clearInterval(this.renewal);
    await this.parts.generations.releaseLease(this.generation);
  }
}
