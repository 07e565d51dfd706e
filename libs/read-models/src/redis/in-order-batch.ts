import { positionToString, type StoredEvent } from '@zan/contracts';
import { keys } from '../keys';
import type { Change } from '../projection';
import { assertDelivery, assertSkipped, InvalidDelivery, type Applied } from '../read-model-store.port';
import type { Entry } from './apply-script';
import { CannotFold, ChangeFold, pushPairs, type RedisCommand } from './change-fold';

/** Folded commands per script of a rebuild's batch (about 1,000 events' worth): bounds how long one holds Redis. */
const COMMANDS_PER_SCRIPT = 2000;

/**
 * What the generation's only writer knows of it: the watermark, and the last revision applied per
 * category and stream (the dedupe records).
 */
export interface InOrderSequence {
  mark: bigint;
  revisions: Map<string, Map<string, number>>;
}

/** How a batch goes to Redis: folded into bounded scripts of plain commands, or per event when the fold cannot take it. */
export type InOrderPlan = { scripts: RedisCommand[][]; skips: [StoredEvent, unknown][] } | { entries: Entry[]; skips: [StoredEvent, unknown][] };

/**
 * Plans a batch of GenerationBuild.applyInOrder (see there) and advances the sequence past it. Checks
 * first, so a refused batch changes nothing: throws InvalidDelivery when the batch does not continue
 * the chain or repeats an event. An event no projection can apply is planned as skipped.
 */
export const planInOrder = (
  deliveries: Applied[],
  sequence: InOrderSequence,
  project: (event: StoredEvent) => Change[],
  key: (logical: string) => string,
): InOrderPlan => {
  let mark = sequence.mark;
  // Category -> stream -> revision: this batch's dedupe records.
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

  const fold = new ChangeFold();
  let foldable = true;
  const changesOf: (Change[] | undefined)[] = [];
  const skips: [StoredEvent, unknown][] = [];
  const counters = new Map<string, { applied: number; skipped: number }>();
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
      commands = fold.commands(key);
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

  if (!commands) {
    const entries = deliveries.map(({ category, event, prevPosition }, i): Entry => {
      const base = { category, streamId: event.streamId, revision: event.revision, position: event.position, prevPosition };
      const changes = changesOf[i];
      return changes ? { kind: 'a', ...base, changes } : { kind: 's', ...base, changes: [] };
    });
    return { entries, skips };
  }
  for (const [category, streams] of seen) {
    const pairs: string[] = [];
    for (const [stream, revision] of streams) pairs.push(stream, String(revision));
    pushPairs(commands, 'hset', key(keys.applied(category)), pairs);
  }
  const stats = key(keys.stats);
  const totals = { applied: 0, skipped: 0 };
  for (const [category, counter] of counters) {
    for (const kind of ['applied', 'skipped'] as const) {
      if (counter[kind] === 0) continue;
      totals[kind] += counter[kind];
      commands.push(['hincrby', stats, `${kind}:${category}`, String(counter[kind])]);
    }
  }
  for (const kind of ['applied', 'skipped'] as const) if (totals[kind] > 0) commands.push(['hincrby', stats, kind, String(totals[kind])]);
  commands.push(['set', key(keys.watermark), positionToString(mark)]);
  // Scripts of bounded size, whatever the batch size, so none holds Redis long; sent back to back,
  // they run in order, the watermark last.
  const scripts: RedisCommand[][] = [];
  for (let start = 0; start < commands.length; start += COMMANDS_PER_SCRIPT) scripts.push(commands.slice(start, start + COMMANDS_PER_SCRIPT));
  return { scripts, skips };
};
