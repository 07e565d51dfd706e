/**
 * Emmett's side of the read-then-append benchmark, shared by the bench's Emmett process
 * (emmett-process.ts) and bench/rta-cpu-emmett.ts: the TipPraised it appends, and a command as
 * Emmett's CommandHandler does it (readStream, then append expecting the stream's version).
 */
import { isExpectedVersionConflictError } from '@event-driven-io/emmett';
import type { PostgresEventStore } from '@event-driven-io/emmett-postgresql';
import { tipPraised } from '../lib/events';
import type { ReadThenAppendStore } from '../lib/read-then-append';

export const emmettTip = (stream: string, n: number) => {
  const event = tipPraised(stream, `author${n % 50}`, n);
  return { type: event.type, data: event.data as Record<string, unknown>, metadata: event.metadata as unknown as Record<string, unknown> };
};

/** A conflict (another writer moved the stream) answers false; anything else throws. */
export const emmettReadThenAppend = (store: PostgresEventStore): ReadThenAppendStore<bigint> => ({
  read: async (stream) => (await store.readStream(stream)).currentStreamVersion,
  append: async (stream, revision, n) => {
    try {
      await store.appendToStream(stream, [emmettTip(stream, n)], { expectedStreamVersion: revision });
      return true;
    } catch (error) {
      if (isExpectedVersionConflictError(error)) return false;
      throw error;
    }
  },
});
