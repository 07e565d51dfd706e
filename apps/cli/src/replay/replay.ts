import type { EventStore } from '@zan/event-store';
import { projectAll, type Change, type Projection } from '@zan/read-models';
import { UsageError } from '../core/exit-codes';
import { readEventPages } from '../core/read-events';
import { describeSpec, sameSpec, type ReplayCheckpoint, type ReplaySpec, type ReplayTarget } from './replay-target';

export interface ReplayOptions {
  /** The projections to run, by name (a subset of createProjections()). */
  projections: Projection[];
  from?: bigint;
  to?: bigint;
  batchSize?: number;
  /** Empty the target first, whatever it holds. */
  reset?: boolean;
  signal?: AbortSignal;
  /** After each batch: the position reached and the events applied by this run. */
  progress?: (position: bigint, events: number) => void;
}

export interface ReplayResult {
  spec: ReplaySpec;
  /** Events applied by this run. */
  applied: number;
  checkpoint: ReplayCheckpoint;
  resumed: boolean;
  interrupted: boolean;
}

/**
 * Feeds the events of a position range through the chosen projections into a fresh target, a batch
 * at a time, each batch's changes written with the checkpoint. Run again with the same arguments,
 * it resumes after the target's checkpoint; with other arguments it refuses (or --reset).
 */
export const replay = async (store: EventStore, target: ReplayTarget, options: ReplayOptions): Promise<ReplayResult> => {
  const names = options.projections.map((p) => p.name);
  const wanted = { projections: names, from: options.from, to: options.to };
  if (options.reset) await target.reset();
  const existing = await target.open();
  if (existing && !sameSpec(existing.spec, wanted)) {
    throw new UsageError(
      `${target.description} holds another replay (${describeSpec(existing.spec)}), not ${describeSpec(wanted)}; choose another target or pass --reset`,
    );
  }
  if (!existing && !(await target.isEmpty())) {
    throw new UsageError(`${target.description} is not empty and holds no replay; choose a fresh target or pass --reset to empty it`);
  }
  const spec: ReplaySpec = existing?.spec ?? { projections: names, from: options.from, to: options.to ?? (await store.headPosition()) ?? 0n };
  const checkpoint: ReplayCheckpoint = existing?.checkpoint ?? { events: 0, done: false };
  const result = { spec, applied: 0, checkpoint, resumed: existing !== undefined, interrupted: false };
  if (checkpoint.done) return result;
  if (!existing) await target.begin(spec);

  let sentEvents = checkpoint.events;
  let sentThrough = checkpoint.position;
  const startAfter = checkpoint.position ?? (spec.from !== undefined && spec.from > 0n ? spec.from - 1n : undefined);
  const pages = readEventPages(store, { after: startAfter, until: spec.to, pageSize: options.batchSize ?? 1000, signal: options.signal });
  // At most one batch in flight while the next one is read and projected (targets that keep order).
  let inFlight: Promise<void> = Promise.resolve();
  try {
    for await (const page of pages) {
      const changes: Change[] = [];
      for (const event of page) for (const change of projectAll(options.projections, event)) changes.push(change);
      const next = { position: page[page.length - 1].position, events: (sentEvents += page.length), done: false };
      const applying = target.apply(changes, next, sentThrough).then(() => {
        Object.assign(checkpoint, next);
        result.applied += page.length;
        options.progress?.(next.position, result.applied);
      });
      sentThrough = next.position;
      applying.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
      if (target.ordered) {
        await inFlight;
        inFlight = applying;
      } else {
        await applying;
      }
    }
    await inFlight;
    if (options.signal?.aborted) {
      result.interrupted = true;
      await target.flush();
      return result;
    }
    checkpoint.done = true;
    await target.apply([], checkpoint, checkpoint.position);
    return result;
  } catch (error) {
    // What the target took so far is worth keeping: the next run resumes from it.
    await inFlight.catch(() => undefined);
    await target.flush().catch(() => undefined);
    throw error;
  }
};

/** The projections named (or all of them for "all"); an unknown name is a usage error. */
export const pickProjections = (available: Projection[], names: string[]): Projection[] => {
  if (names.includes('all')) return available;
  const unknown = names.filter((name) => !available.some((p) => p.name === name));
  if (unknown.length > 0) {
    throw new UsageError(`unknown projection ${unknown.join(', ')} (known: ${available.map((p) => p.name).join(', ')}, all)`);
  }
  return available.filter((p) => names.includes(p.name));
};
