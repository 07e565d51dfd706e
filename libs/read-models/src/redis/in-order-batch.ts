import { positionToString, type StoredEvent } from '@zan/contracts';
import { keys } from '../keys';
import type { Change } from '../projection';
import { assertDelivery, assertSkipped, InvalidDelivery, type Applied } from '../read-model-store.port';
import type { Entry } from './apply-script';
import { CannotFold, ChangeFold, pushPairs, type RedisCommand } from './change-fold';
import { shards, tagOf, type PlacedChange } from './shards';

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

/**
 * How a batch goes to Redis: folded into bounded scripts of plain commands, each within one shard's
 * slot (the dedupe records and counters with them), then the watermark in the control slot (`mark`, written once every shard
 * script has landed); or per event when the fold cannot take it.
 */
export type InOrderPlan =
  { scripts: RedisCommand[][]; mark: RedisCommand[]; skips: [StoredEvent, unknown][] } | { entries: Entry[]; skips: [StoredEvent, unknown][] };

/**
 * Plans a batch of GenerationBuild.applyInOrder (see there) and advances the sequence past it. Checks
 * first, so a refused batch changes nothing: throws InvalidDelivery when the batch does not continue
 * the chain or repeats an event. An event no projection can apply is planned as skipped. `oneNode`:
 * a single Redis, where a script may span slots.
 */
export const planInOrder = (
  deliveries: Applied[],
  sequence: InOrderSequence,
  project: (event: StoredEvent) => Change[],
  key: (placed: string) => string,
  oneNode = false,
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
  // Shard -> category -> stream -> revision: the dedupe records, in every shard an event touches.
  const dedupe = new Map<number, Map<string, Map<string, number>>>();
  const record = (shard: number, category: string, streamId: string, revision: number): void => {
    let categories = dedupe.get(shard);
    if (!categories) dedupe.set(shard, (categories = new Map<string, Map<string, number>>()));
    let streams = categories.get(category);
    if (!streams) categories.set(category, (streams = new Map<string, number>()));
    streams.set(streamId, revision);
  };
  const skips: [StoredEvent, unknown][] = [];
  // Home shard -> category -> counts: the counters go where ApplyScript counts each event.
  const counters = new Map<number, Map<string, { applied: number; skipped: number }>>();
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
    const home = shards.of(event.streamId);
    record(home, category, event.streamId, event.revision);
    let placed: PlacedChange[] = [];
    if (changes) {
      placed = shards.place(changes, home);
      for (const { shard } of placed) record(shard, category, event.streamId, event.revision);
    } else {
      // As ApplyScript: a skip is recorded in every shard.
      for (let shard = 0; shard < shards.count; shard++) record(shard, category, event.streamId, event.revision);
    }
    if (changes && foldable) {
      try {
        for (const { change } of placed) fold.add(change);
      } catch (error) {
        if (!(error instanceof CannotFold)) throw error;
        foldable = false;
      }
    }
    let homeCounters = counters.get(home);
    if (homeCounters === undefined) counters.set(home, (homeCounters = new Map<string, { applied: number; skipped: number }>()));
    let counter = homeCounters.get(category);
    if (counter === undefined) homeCounters.set(category, (counter = { applied: 0, skipped: 0 }));
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
  for (const [shard, categories] of dedupe) {
    for (const [category, streams] of categories) {
      const pairs: string[] = [];
      for (const [stream, revision] of streams) pairs.push(stream, String(revision));
      pushPairs(commands, 'hset', key(shards.in(shard, keys.applied(category))), pairs);
    }
  }
  for (const [home, categories] of counters) {
    const stats = key(shards.in(home, keys.stats));
    const totals = { applied: 0, skipped: 0 };
    for (const [category, counter] of categories) {
      for (const kind of ['applied', 'skipped'] as const) {
        if (counter[kind] === 0) continue;
        totals[kind] += counter[kind];
        commands.push(['hincrby', stats, `${kind}:${category}`, String(counter[kind])]);
      }
    }
    for (const kind of ['applied', 'skipped'] as const) if (totals[kind] > 0) commands.push(['hincrby', stats, kind, String(totals[kind])]);
  }
  const markCommands: RedisCommand[] = [];
  markCommands.push(['set', key(shards.control(keys.watermark)), positionToString(mark)]);
  // Scripts of bounded size within one slot each, whatever the batch size, so none holds Redis long.
  // On a single node one script may span the slots: the batch then needs the fewest scripts.
  const bySlot = new Map<string, RedisCommand[]>();
  for (const command of commands) {
    const tag = oneNode ? '' : tagOf(command[1]);
    const group = bySlot.get(tag);
    if (group) group.push(command);
    else bySlot.set(tag, [command]);
  }
  const scripts: RedisCommand[][] = [];
  for (const group of bySlot.values()) {
    for (let start = 0; start < group.length; start += COMMANDS_PER_SCRIPT) scripts.push(group.slice(start, start + COMMANDS_PER_SCRIPT));
  }
  return { scripts, mark: markCommands, skips };
};
