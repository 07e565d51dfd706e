import type { AppendGuard } from '../event-store.port';

/** Guards as the statements read them (brokenGuards): `i` tells whose guard each is (the guard's own index by default). */
export const guardRows = (guards: readonly AppendGuard[], i?: number) =>
  guards.map((guard, index) => ({ i: i ?? index, stream_id: guard.streamId, revision: guard.revision, unless: guard.unless }));

export const guardsJson = (guards: readonly AppendGuard[]): string => JSON.stringify(guardRows(guards));

/**
 * SQL, a FROM clause: the rows `g` of the guards in parameter `param` (guardRows as JSON) that are
 * broken, their stream having an event after their revision of a type not in `unless`. Each guard is
 * one probe of the events' (stream_id, revision) index: a LIMIT keeps the planner from joining the
 * whole events table, and the estimate low enough that no statement carrying guards is JIT-compiled.
 * `exceptOwnTransaction`: checked inside the append's transaction after its own events went in,
 * which are no change the append was decided without.
 */
export const brokenGuards = (param: string, events: string, { exceptOwnTransaction = false } = {}): string =>
  `jsonb_to_recordset(${param}::text::jsonb) AS g(i int, stream_id text, revision bigint, unless text[])
   CROSS JOIN LATERAL (
     SELECT 1 FROM ${events} x WHERE x.stream_id = g.stream_id AND x.revision > g.revision AND x.type <> ALL(g.unless)
       ${exceptOwnTransaction ? 'AND x.transaction_id <> pg_current_xact_id()' : ''} LIMIT 1
   ) AS hit`;
