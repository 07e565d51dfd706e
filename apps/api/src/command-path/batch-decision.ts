import type { DomainEvent, NewEvent, StoredEvent } from '@zan/contracts';
import { currentVersion } from '@zan/contracts';
import { DomainError } from '@zan/domain';
import { type Clock, withTraceparent } from '@zan/platform';
import { randomId } from './ids';
import type { Execution, Executed, Loaded } from './execution';

/** One command's part of a batch: its events and the state after them, or its refusal. */
export type Outcome<S> = { events: NewEvent[]; state: S } | { error: unknown };

/**
 * Commands of one stream decided together on one state, each on the state the earlier ones leave:
 * `stale` when that state came from the cache and a refusal or a no-op decided on it might be
 * undone by a newer one (decide again on the stored state); else every command's outcome, and all
 * their events, to be appended at once.
 */
export type BatchDecision<S> = { kind: 'stale' } | { kind: 'decided'; outcomes: Outcome<S>[]; events: NewEvent[]; state: S };

/**
 * Decides the commands in order. The clock is read once per decision (unless the command carries
 * its time): the daily limit near midnight must judge the day its events say. `fresh`: the cached
 * state was confirmed by the store moments ago, so a refusal its command `standsWhileFresh` stands.
 */
export const decideBatch = <S>(executions: Execution<S>[], base: S, fromCache: boolean, clock: Clock, fresh = false): BatchDecision<S> => {
  const outcomes: Outcome<S>[] = [];
  let state = base;
  for (const execution of executions) {
    const now = execution.now ?? clock.now();
    let decided: DomainEvent[];
    try {
      decided = execution.decide(state, now);
    } catch (error) {
      // A final refusal (a packet gone, a share already claimed) stands on any state of the stream.
      if (fromCache && error instanceof DomainError && !error.final && !(fresh && execution.standsWhileFresh?.(error, state))) return { kind: 'stale' };
      outcomes.push({ error });
      continue;
    }
    if (decided.length === 0 && fromCache) return { kind: 'stale' };
    const events = newEvents(execution, decided, now);
    state = events.reduce(execution.folder.evolve, state);
    outcomes.push({ events, state });
  }
  return { kind: 'decided', outcomes, events: outcomes.flatMap((outcome) => ('events' in outcome ? outcome.events : [])), state };
};

/** The events a decision appends: ids (deterministic or random), versions, metadata, the decision's time. */
export const newEvents = <S>(execution: Execution<S>, decided: DomainEvent[], now: Date): NewEvent[] => {
  const occurredAt = now.toISOString();
  return decided.map((event, index) => ({
    id: execution.eventId ? execution.eventId(index) : randomId(),
    type: event.type,
    version: currentVersion(event.type),
    data: event.data,
    // With tracing on, each event records the span that decided it (see trace-context.ts).
    metadata: withTraceparent(execution.metadata),
    occurredAt,
  }));
};

/** One command's answer: what it did, or why it was refused. */
export type Answer<S> = { executed: Executed<S> } | { error: unknown };

/**
 * Each command's answer once the batch's events are stored (`stored`: as appended, in order): its
 * own events, and the revision and position of the stream after them (of `base` for a command that
 * appended nothing).
 */
export const answersOf = <S>(outcomes: Outcome<S>[], stored: StoredEvent[], base: Loaded<S>): Answer<S>[] => {
  let { revision, position } = base;
  let offset = 0;
  return outcomes.map((outcome) => {
    if ('error' in outcome) return outcome;
    const mine = stored.slice(offset, offset + outcome.events.length);
    offset += mine.length;
    if (mine.length > 0) {
      revision = mine[mine.length - 1]!.revision;
      position = mine[mine.length - 1]!.position;
    }
    return { executed: { events: mine, state: outcome.state, revision, position } };
  });
};
