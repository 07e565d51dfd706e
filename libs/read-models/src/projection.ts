import { UnknownEventType, isKnownEvent, type EventDataByType, type StoredEvent, type ZanEventType } from '@zan/contracts';

/**
 * What a projection asks of a store. A closed set of data operations over logical keys (no prefix),
 * with Redis semantics, so the Redis store and the in-memory store apply the very same changes.
 * Every operation commutes with the others on different fields or members, which is what makes the
 * read models independent of the order in which Kafka delivers the categories.
 */
export type Change =
  /** Sets hash fields (last write wins: only for values an event fixes once, e.g. a wallet's kind). */
  | { op: 'hset'; key: string; values: Record<string, string | number> }
  | { op: 'hincrby'; key: string; field: string; by: number }
  | { op: 'zincrby'; key: string; member: string; by: number }
  /** Adds a member; with score 0 everywhere the set is ordered by member bytes (lexicographic). */
  | { op: 'zadd'; key: string; score: number; member: string }
  /** Keeps the `keep` highest-ranked members. */
  | { op: 'ztrim'; key: string; keep: number };

export type ChangeOp = Change['op'];

/** A pure function of one event. It must not read state: the stores apply its changes blindly. */
export interface Projection {
  readonly name: string;
  project(event: StoredEvent): Change[];
}

export type EventOf<T extends ZanEventType> = StoredEvent<EventDataByType[T]> & { type: T };

export const isEventOf = <T extends ZanEventType>(event: StoredEvent, type: T): event is EventOf<T> => event.type === type;

export class InvalidChange extends Error {
  override readonly name = 'InvalidChange';
}

/**
 * Refuses what either store could only half apply: Redis does not roll a script back when a command
 * in it fails, so every change is checked before the first one is written.
 */
export const assertChange = (change: Change): void => {
  const fail = (why: string) => {
    throw new InvalidChange(`${change.op} ${JSON.stringify(change.key)}: ${why}`);
  };
  if (typeof change.key !== 'string' || change.key === '') fail('empty key');
  switch (change.op) {
    case 'hset': {
      const entries = Object.entries(change.values);
      if (entries.length === 0) fail('no values');
      for (const [, value] of entries) {
        if (typeof value === 'number' ? !Number.isSafeInteger(value) : typeof value !== 'string') fail('value must be a string or a safe integer');
      }
      return;
    }
    case 'hincrby':
    case 'zincrby':
      if (!Number.isSafeInteger(change.by)) fail('increment must be a safe integer');
      return;
    case 'zadd':
      if (!Number.isSafeInteger(change.score)) fail('score must be a safe integer');
      return;
    case 'ztrim':
      if (!Number.isSafeInteger(change.keep) || change.keep < 1) fail('keep must be a positive integer');
      return;
    default:
      fail(`unknown op ${String((change as { op: unknown }).op)}`);
  }
};

/** Every projection's changes for one event, checked. */
export const projectAll = (projections: readonly Projection[], event: StoredEvent): Change[] => {
  // A newer Zan's new credit or debit applied as nothing would leave a balance wrong with no trace:
  // refused, as is a newer version read from the event store (the projector dead-letters it, a rebuild logs it).
  if (!isKnownEvent(event)) throw new UnknownEventType(`${event.type} v${event.version} (${event.id}) is not an event this Zan knows: written by a newer one?`);
  // Plain loops: this runs for every event of a rebuild, a million times.
  const changes: Change[] = [];
  for (const projection of projections) {
    for (const change of projection.project(event)) changes.push(change);
  }
  for (const change of changes) assertChange(change);
  return changes;
};
