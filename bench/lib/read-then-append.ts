/**
 * The command handler's loop without the domain: pick a stream, read it to learn its current
 * revision, append one event expecting that revision, and on a conflict read again and retry. The
 * append scenario runs it against Zan's store and, in a child process, against Emmett's (the same
 * loop, so only the stores differ).
 */
import { perSecond } from './stats';

export interface ReadThenAppendStore<Revision> {
  /** Reads the stream through the store's read API and answers its current revision. */
  read: (stream: string) => Promise<Revision>;
  /** Appends one event expecting `revision`; `false` when the store refused it as a conflict. */
  append: (stream: string, revision: Revision, n: number) => Promise<boolean>;
}

export interface ReadThenAppendResult {
  writers: number;
  /** Successful appends: one per command, whatever its retries. */
  appends: number;
  /** Appends refused on a revision that moved between the read and the append (each one retried). */
  conflicts: number;
  elapsedMs: number;
  appendsPerSecond: number;
  /** Per command, retries included, in milliseconds. */
  latencies: number[];
}

/**
 * `writers` closed loops share `commands` commands (a fixed count, not a duration, so that every
 * store's streams end as long and every read costs the same: a faster store does not read longer
 * streams). Each command picks one of `streams` at random.
 */
export const readThenAppend = async <Revision>(
  store: ReadThenAppendStore<Revision>,
  options: { writers: number; commands: number; streams: readonly string[] },
): Promise<ReadThenAppendResult> => {
  const latencies: number[] = [];
  let started = 0;
  let appends = 0;
  let conflicts = 0;
  const begin = performance.now();
  await Promise.all(
    Array.from({ length: options.writers }, async () => {
      while (started < options.commands) {
        const n = started++;
        const stream = options.streams[Math.floor(Math.random() * options.streams.length)]!;
        const before = performance.now();
        for (;;) {
          const revision = await store.read(stream);
          if (await store.append(stream, revision, n)) break;
          conflicts++;
        }
        appends++;
        latencies.push(performance.now() - before);
      }
    }),
  );
  const elapsedMs = performance.now() - begin;
  return { writers: options.writers, appends, conflicts, elapsedMs, appendsPerSecond: perSecond(appends, elapsedMs), latencies };
};
