/**
 * CPU per read-then-append command on Zan's PostgreSQL store, split into this process and the
 * PostgreSQL backends serving it: what the append scenario's read-then-append phases cost, and
 * which half (the read or the append) costs it.
 *
 *   node --require ./infra/register-ts.js bench/rta-cpu.ts [writers=8] [commands=10000] [mode=both|read|append|raw] [events per stream=15]
 *
 * 1,000 streams of `events per stream` events are written first; `read` only reads them, `append`
 * appends expecting the revision it last knew (no read), `both` is the scenario's command, `raw` is
 * the physical baseline's single-row INSERT (autocommit) into a copy of the events table on one
 * connection per writer. Prints commands/s, ms of CPU per command (this process, and the PostgreSQL
 * backends serving it) and PostgreSQL commits per command (database-wide: other work counts).
 */
import { Client } from 'pg';
import { createPostgresEventStore, WrongExpectedRevisionError } from '@zan/event-store';
import { isolation, testServers } from '../test/support/isolation';
import { backendsOf, describeLoadAverage, ticksOf } from './lib/cpu-per-process';
import { readerStream, tipPraised } from './lib/events';
import { readThenAppend } from './lib/read-then-append';

const [writers = 8, commands = 10_000, mode = 'both', length = 15] = process.argv.slice(2).map((arg, i) => (i === 2 ? arg : Number(arg))) as [
  number,
  number,
  string,
  number,
];

const main = async () => {
  const { databaseUrl } = testServers();
  const schema = isolation('rtacpu').pgSchema;
  const { eventStore: store, sql } = await createPostgresEventStore({
    connectionString: databaseUrl,
    schema,
    poolSize: 20,
    applicationName: 'zan-bench-rta-cpu',
  });
  const pg = new Client({ connectionString: databaseUrl });
  await pg.connect();
  try {
    const streams = Array.from({ length: 1000 }, (_, k) => readerStream(`cpu${k}`));
    const known = new Map<string, number>();
    for (let e = 0; e < length; e++) {
      await Promise.all(streams.map((s) => store.append(s, [tipPraised(s, 'author0', e)], e === 0 ? 'no_stream' : e - 1)));
    }
    for (const s of streams) known.set(s, length - 1);
    const read = async (stream: string) => {
      const page = await store.readStream(stream, { fromRevision: 0, maxCount: 1000 });
      return page.length === 0 ? -1 : page[page.length - 1]!.revision;
    };
    const append = async (stream: string, revision: number, n: number) => {
      try {
        const result = await store.append(stream, [tipPraised(stream, `author${n % 50}`, n)], revision);
        known.set(stream, result.nextExpectedRevision);
        return true;
      } catch (error) {
        if (error instanceof WrongExpectedRevisionError) return false;
        throw error;
      }
    };
    const commits = async () =>
      Number((await pg.query<{ n: string }>('SELECT xact_commit::text AS n FROM pg_stat_database WHERE datname = current_database()')).rows[0]!.n);
    // Every connection of the pool open, so the backends found now are all that will serve the run.
    await Promise.all(Array.from({ length: 20 }, () => sql.query('SELECT pg_sleep(0.05)')));
    const rawClients: Client[] = [];
    if (mode === 'raw') {
      await sql.query(`CREATE TABLE "${schema}".raw (LIKE "${schema}".events INCLUDING ALL)`);
      for (let i = 0; i < writers; i++) {
        const client = new Client({ connectionString: databaseUrl });
        await client.connect();
        rawClients.push(client);
      }
    }
    const idle = [...rawClients];
    const raw = async (stream: string, _revision: number, n: number) => {
      const event = tipPraised(stream, `author${n % 50}`, n);
      const client = idle.pop()!; // one per writer: a writer has one command in flight
      await client.query({
        name: 'raw-insert',
        text: `INSERT INTO "${schema}".raw (tx_index, id, stream_id, revision, type, version, data, metadata, occurred_at)
               VALUES (0, $1::uuid, $2::text, $3::bigint, $4::text, 1, $5::text::jsonb, $6::text::jsonb, $7::timestamptz)`,
        values: [event.id, stream, n, event.type, JSON.stringify(event.data), JSON.stringify(event.metadata), event.occurredAt],
      });
      idle.push(client);
      return true;
    };
    const backends = await backendsOf(pg, [process.pid]);
    const usage = process.cpuUsage();
    const before = { node: ticksOf(process.pid), pg: backends.map(ticksOf), commits: await commits() };
    const result = await readThenAppend(
      {
        read: mode === 'append' || mode === 'raw' ? async (stream) => known.get(stream)! : read,
        append: mode === 'read' ? async () => true : mode === 'raw' ? raw : append,
      },
      { writers, commands, streams },
    );
    const after = { node: ticksOf(process.pid), pg: backends.map(ticksOf), commits: await commits() };
    await Promise.all(rawClients.map((client) => client.end()));
    const per = (ticks: number) => ((ticks * 10) / result.appends).toFixed(3);
    const { user, system } = process.cpuUsage(usage);
    const perMicros = (micros: number) => (micros / 1000 / result.appends).toFixed(3);
    console.log(
      `${mode}, ${writers} writers, ${length} events per stream: ${result.appendsPerSecond} commands/s, ${result.conflicts} conflicts; ` +
        `CPU per command: node ${per(after.node - before.node)} ms (user ${perMicros(user)}, system ${perMicros(system)}), postgres ${per(backendTicks(before.pg, after.pg))} ms (${backends.length} backends); ` +
        `commits per command ${((after.commits - before.commits) / result.appends).toFixed(2)} (database-wide); ${describeLoadAverage()}`,
    );
  } finally {
    await store.close();
    await pg.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pg.end();
  }
};

/** Ticks the backends spent between two snapshots; one gone meanwhile (an idle connection the pool closed) counts none. */
const backendTicks = (before: number[], after: number[]): number => after.reduce((sum, ticks, i) => sum + (ticks === 0 ? 0 : ticks - before[i]!), 0);

void main();
