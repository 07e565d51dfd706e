/**
 * The child process of the Emmett baseline (bench/baselines/emmett.ts): Emmett's PostgreSQL event
 * store (`@event-driven-io/emmett-postgresql`) in a process of its own, because its driver layer
 * (dumbo) sets node-postgres' type parsers for the whole process (int8 as BigInt, json with a
 * reviver), which would change how Zan's store and the other baselines read in the bench process.
 *
 * Messages from the parent: `{ type: 'phase', writers, commands, streams }` runs the read-then-append
 * loop on fresh streams and answers `{ type: 'phase', result, check }`; `{ type: 'close' }` ends.
 */
import { getPostgreSQLEventStore, type PostgresEventStore } from '@event-driven-io/emmett-postgresql';
import pg from 'pg';
import { readThenAppend, type ReadThenAppendResult } from '../lib/read-then-append';
import { emmettReadThenAppend, emmettTip as tip } from './emmett-commands';

export interface EmmettPhaseRequest {
  type: 'phase';
  writers: number;
  commands: number;
  /** Stream names of this phase, none used before: each is created with one event before the clock. */
  streams: string[];
}

export interface EmmettStreamsCheck {
  rows: number;
  /** Events the phase put there: one per stream beforehand, one per successful append. */
  expected: number;
  /** Streams whose positions are not 1..n, or whose emt_streams position is not n. */
  outOfLine: number;
}

export type EmmettReply = { type: 'ready' } | { type: 'phase'; result: ReadThenAppendResult; check: EmmettStreamsCheck } | { type: 'error'; message: string };

const send = (reply: EmmettReply): void => void process.send!(reply);

const main = async (): Promise<void> => {
  const databaseUrl = process.env.EMMETT_DATABASE_URL!;
  const poolSize = Number(process.env.EMMETT_POOL_SIZE ?? 32);
  // A pool of our own so its size is known (dumbo's default pool is node-postgres' 10 connections).
  const pool = new pg.Pool({ connectionString: databaseUrl, max: poolSize, application_name: 'zan-bench-emmett' });
  const store: PostgresEventStore = getPostgreSQLEventStore(databaseUrl, { connectionOptions: { pool } });
  await store.schema.migrate();
  // Opens the pool's connections before any clock starts.
  await Promise.all(Array.from({ length: poolSize }, (_, i) => store.appendToStream(`warmup-${i}`, [tip(`warmup${i}`, i)], { expectedStreamVersion: 0n })));

  const runPhase = async (request: EmmettPhaseRequest) => {
    for (let i = 0; i < request.streams.length; i += poolSize) {
      await Promise.all(request.streams.slice(i, i + poolSize).map((stream) => store.appendToStream(stream, [tip(stream, 0)], { expectedStreamVersion: 0n })));
    }
    const result = await readThenAppend(emmettReadThenAppend(store), request);
    const { rows } = await pool.query<{ rows: string; out_of_line: string }>(
      `SELECT (SELECT count(*) FROM emt_messages WHERE stream_id = ANY($1::text[]))::text AS rows,
              (SELECT count(*) FROM (
                 SELECT m.stream_id, count(*) AS n, min(m.stream_position) AS lo, max(m.stream_position) AS hi, s.stream_position AS head
                 FROM emt_messages m JOIN emt_streams s ON s.stream_id = m.stream_id AND s.partition = m.partition
                 WHERE m.stream_id = ANY($1::text[])
                 GROUP BY m.stream_id, s.stream_position) x
               WHERE x.lo <> 1 OR x.hi <> x.n OR x.head <> x.hi)::text AS out_of_line`,
      [request.streams],
    );
    const check = { rows: Number(rows[0]!.rows), expected: request.streams.length + result.appends, outOfLine: Number(rows[0]!.out_of_line) };
    send({ type: 'phase', result, check });
  };

  process.on('message', (message: EmmettPhaseRequest | { type: 'close' }) => {
    if (message.type === 'close') {
      void store
        .close()
        .then(() => pool.end())
        .finally(() => process.exit(0));
      return;
    }
    runPhase(message).catch((error: unknown) => send({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) }));
  });
  send({ type: 'ready' });
};

main().catch((error: unknown) => {
  send({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exit(1);
});
