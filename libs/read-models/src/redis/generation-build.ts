import { positionToString, type StoredEvent } from '@zan/contracts';
import { keys } from '../keys';
import type { Change } from '../projection';
import { assertSkipped, InvalidDelivery, type Applied, type ApplyTarget, type ReadModelStatus, type Skipped } from '../read-model-store.port';
import type { ApplyScript, Entry, Slot } from './apply-script';
import { bulkApplyArgs } from './change-fold';
import { checkInOrder, GenerationFold, WrittenKeys, type InOrderSequence } from './generation-fold';
import { GenerationLost, type Generations } from './generations';
import type { Keyspace } from './keyspace';
import type { ReadModelScripts } from './scripts';
import { shards } from './shards';

/** Commands per script of a rebuild's write (about 1,000 events' worth): bounds how long one holds Redis. */
const COMMANDS_PER_SCRIPT = 2000;

/** What a build uses of its store; RedisReadModelStore.beginRebuild hands it over. */
export interface GenerationBuildParts {
  generation: string;
  leaseMs: number;
  keyspace: Keyspace;
  scripts: ReadModelScripts;
  generations: Generations;
  writer: ApplyScript;
  /** A single Redis: a pipeline may span the slot groups. */
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
  /** Batches folded by foldInOrder, not yet written. */
  private window?: GenerationFold;
  /** The keys the in-order writes have written so far (a fresh generation holds nothing else). */
  private readonly keys = new WrittenKeys();
  /** The last in-order write's watermark: the next one waits for it. */
  private marked: Promise<void> = Promise.resolve();
  /**
   * The last batch written event by event (the fold could not take it): folded writes after it wait
   * for it, or their dedupe records would make its scripts skip its events.
   */
  private perEvent?: Promise<void>;

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
   * what applyMany() would, with one checkpoint per write instead of per event: the batch's changes,
   * dedupe records and counters are folded (GenerationFold) into the fewest plain commands, and the
   * watermark follows them under the rebuild's lease. Equals foldInOrder() then flushInOrder(). A
   * batch the fold cannot take goes through the per-event scripts instead. An event no projection
   * can apply is recorded as skipped, as applyOrSkip does, and reported to onSkip.
   *
   * The work in JavaScript is done when this returns; the promise settles when Redis has the batch, so
   * the caller can prepare the next batch meanwhile. Resolves to the number of events skipped.
   * Throws InvalidDelivery when the batch does not continue the chain or repeats an event, and when
   * apply(), applyMany() or skip() wrote this generation. Unlike the per-event path, a command Redis
   * refuses fails the batch (a fresh generation of keys of one kind each only refuses an increment
   * past 2^63).
   */
  applyInOrder(deliveries: Applied[], onSkip?: (event: StoredEvent, error: unknown) => void): Promise<number> {
    try {
      const skipped = this.fold(deliveries, onSkip);
      return this.flushInOrder().then(() => skipped);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * As applyInOrder, but the batch stays folded in memory with the batches before it (the window)
   * until the window holds `windowEntries` fields, members and dedupe records (default 100,000), or
   * until flushInOrder(): a key written by many batches costs one write. Resolves to the number of
   * events skipped once the caller may go on: at once, or when the window was due for writing, once
   * the write before it has landed (at most two are under way).
   */
  foldInOrder(deliveries: Applied[], onSkip?: (event: StoredEvent, error: unknown) => void, windowEntries = 100_000): Promise<number> {
    try {
      const skipped = this.fold(deliveries, onSkip);
      if ((this.window?.entries ?? 0) < windowEntries) return Promise.resolve(skipped);
      const previous = this.marked;
      this.writeWindow();
      return previous.then(() => skipped);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Writes what foldInOrder holds; settles when Redis has everything folded so far and the watermark. */
  flushInOrder(): Promise<void> {
    try {
      this.writeWindow();
      return this.marked;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Folds a batch into the window (an event that cannot be folded goes by itself); the skips. */
  private fold(deliveries: Applied[], onSkip?: (event: StoredEvent, error: unknown) => void): number {
    if (this.ended) throw new Error(`generation ${this.generation}: the rebuild has ended`);
    const sequence = this.sequence;
    if (!sequence) throw new InvalidDelivery(`generation ${this.generation}: applyInOrder after apply, applyMany or skip`);
    checkInOrder(deliveries, sequence);
    const { writer } = this.parts;
    let skipped = 0;
    for (const { category, event, prevPosition } of deliveries) {
      let changes: Change[] | undefined;
      try {
        changes = writer.project(event);
      } catch (error) {
        // As applyOrSkip: the event's own fault, recorded as skipped (a bad skip record throws).
        assertSkipped({ category, streamId: event.streamId, revision: event.revision, position: event.position, prevPosition });
        onSkip?.(event, error);
        skipped++;
      }
      this.window ??= new GenerationFold();
      if (this.window.addEvent(category, event, changes)) continue;
      // It does not fold with what the window holds: the window is written first.
      this.writeWindow();
      this.window = new GenerationFold();
      if (this.window.addEvent(category, event, changes)) continue;
      // Not even alone: through the per-event script, after the window before it (its link continues
      // that window's watermark; on one Redis its script would otherwise overtake that watermark and
      // park its link, which nothing then pulls in).
      const base = { category, streamId: event.streamId, revision: event.revision, position: event.position, prevPosition };
      const entry: Entry = changes ? { kind: 'a', ...base, changes } : { kind: 's', ...base, changes: [] };
      // What the per-event script writes is not known here: from now on every key may hold something.
      this.keys.saturate();
      const written = this.marked.then(() => writer.write(this.slot, [entry])).then(() => undefined);
      this.perEvent = written;
      this.marked = written;
      this.marked.catch(() => undefined);
    }
    return skipped;
  }

  /**
   * Sends the window's commands, each shard's unguarded (a lost rebuild's last writes land in a
   * generation never read), then the watermark under the lease once they and the previous write's
   * watermark have landed: the watermark never passes what a shard does not have yet.
   */
  private writeWindow(): void {
    const window = this.window;
    if (window === undefined) return;
    this.window = undefined;
    const { keyspace, scripts, oneNode } = this.parts;
    const prefixes = shards.tags.map((tag) => keyspace.key(this.generation, `${tag}:`));
    const scriptArgs: string[][] = [];
    // BULK_APPLY_SCRIPT's arguments: KEYS 1 its (unused) guard, then each key once; the commands as JSON.
    let chunk = { shard: -1, keys: [] as string[], commands: [] as unknown[] };
    const close = () => {
      if (chunk.commands.length === 0) return;
      const { keys: named, commands } = chunk;
      scriptArgs.push([String(named.length + 1), named[0]!, ...named, '', JSON.stringify(commands)]);
      chunk = { shard: -1, keys: [], commands: [] };
    };
    window.commands(
      {
        key: (shard, logical) => {
          // On a cluster a script stays in one slot group; anywhere, it stays short.
          if (chunk.commands.length >= COMMANDS_PER_SCRIPT || (!oneNode && shard !== chunk.shard)) close();
          chunk.shard = shard;
          return chunk.keys.push(prefixes[shard] + logical) + 1;
        },
        command: (command) => chunk.commands.push(command),
      },
      (shard, logical) => this.keys.fresh(shard, logical),
    );
    close();
    const send = () => Promise.all(scriptArgs.map((args) => scripts.bulkApply(...args)));
    const sends = this.perEvent ? this.perEvent.then(send) : send();
    const lease = keyspace.control('lease');
    const mark = positionToString(window.mark);
    const previous = this.marked;
    const marked = Promise.all([sends, previous]).then(async () => {
      if ((await scripts.bulkApply(...bulkApplyArgs(lease, this.generation, [['set', keyspace.mark(this.generation, keys.watermark), mark]]))) !== 1) {
        throw new GenerationLost(`generation ${this.generation} lost its rebuild lease`);
      }
    });
    this.marked = marked;
    // Handled here for the rejection's sake; the next write still sees it and fails too.
    this.marked.catch(() => undefined);
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
