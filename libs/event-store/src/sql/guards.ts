import type { AppendGuard } from '../event-store.port';

/** Guards as the statements read them (jsonb_to_recordset: i, stream_id, revision, unless). */
export const guardRows = (guards: readonly AppendGuard[]) =>
  guards.map((guard, i) => ({ i, stream_id: guard.streamId, revision: guard.revision, unless: guard.unless }));

export const guardsJson = (guards: readonly AppendGuard[]): string => JSON.stringify(guardRows(guards));

/** SQL: the guard row `g` is broken (its stream has an event after its revision of a type not in `unless`). */
export const guardBroken = (g: string, events: string): string =>
  `EXISTS (SELECT 1 FROM ${events} x WHERE x.stream_id = ${g}.stream_id AND x.revision > ${g}.revision AND x.type <> ALL(${g}.unless))`;
