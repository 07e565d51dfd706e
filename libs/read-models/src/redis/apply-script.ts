import { positionToString, type StoredEvent } from '@zan/contracts';
import { keys } from '../keys';
import { projectAll, type Change, type Projection } from '../projection';
import { assertDelivery, assertSkipped, type Applied, type Skipped } from '../read-model-store.port';
import type { Keyspace } from './keyspace';
import type { ReadModelScripts } from './scripts';

/** Events per apply script: bounds how long one script holds Redis. */
const EVENTS_PER_SCRIPT = 200;

/** One event for the apply script: applied with its changes, or skipped with none. */
export interface Entry {
  kind: 'a' | 's';
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
}

/**
 * Events into a generation through the apply script (see APPLY_SCRIPT): each event's changes land
 * together with its dedupe record and the watermark, or not at all.
 */
export class ApplyScript {
  constructor(
    private readonly keyspace: Keyspace,
    private readonly scripts: ReadModelScripts,
    private readonly projections: Projection[],
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
      for (let attempt = 1; ; attempt++) {
        const generation = await slot.generation();
        const reply = await this.scripts.apply(...this.applyArgs(generation, slot, chunk));
        if (Array.isArray(reply)) {
          results.push(...reply.map((r) => r === 1));
          break;
        }
        slot.refused(attempt);
      }
    }
    return results;
  }

  /** numkeys, KEYS, ARGV of the apply script (see scripts.ts). */
  private applyArgs(generation: string, slot: Slot, entries: Entry[]): (string | number)[] {
    const allKeys = [
      slot.guardKey,
      this.keyspace.key(generation, keys.watermark),
      this.keyspace.key(generation, keys.watermarkPending),
      this.keyspace.key(generation, keys.stats),
    ];
    const indexOf = new Map<string, number>();
    const keyIndex = (logical: string): number => {
      let index = indexOf.get(logical);
      if (index === undefined) {
        allKeys.push(this.keyspace.key(generation, logical));
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
