/**
 * bench/rta-cpu.ts's `both` mode on Emmett's PostgreSQL event store: CPU per read-then-append
 * command, this process and the PostgreSQL backends serving it. A process of its own (Emmett's dumbo
 * layer sets node-postgres' type parsers process-wide) and a database of its own, dropped at the end.
 *
 *   node --require ./infra/register-ts.js bench/rta-cpu-emmett.ts [writers=8] [commands=10000] [events per stream=15]
 */
import { getPostgreSQLEventStore } from '@event-driven-io/emmett-postgresql';
import { Client, Pool } from 'pg';
import { isolation, testServers } from '../test/support/isolation';
import { backendsOf, describeLoadAverage, ticksOf } from './lib/cpu-per-process';
import { readThenAppend } from './lib/read-then-append';
import { emmettReadThenAppend, emmettTip as tip } from './baselines/emmett-commands';

const [writers = 8, commands = 10_000, length = 15] = process.argv.slice(2).map(Number);
const POOL_SIZE = 32;

const main = async () => {
  const { databaseUrl } = testServers();
  const database = isolation('rtacpuemmett').pgSchema;
  const admin = new Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${database}"`);
  const url = new URL(databaseUrl);
  url.pathname = `/${database}`;
  const pool = new Pool({ connectionString: url.toString(), max: POOL_SIZE });
  pool.on('error', () => undefined);
  const store = getPostgreSQLEventStore(url.toString(), { connectionOptions: { pool } });
  try {
    await store.schema.migrate();
    const streams = Array.from({ length: 1000 }, (_, k) => `wallet-cpu${k}`);
    for (let e = 0; e < length; e++) {
      await Promise.all(streams.map((stream) => store.appendToStream(stream, [tip(stream, e)], { expectedStreamVersion: BigInt(e) })));
    }
    // Every connection of the pool open, so the backends found now are all that will serve the run.
    await Promise.all(Array.from({ length: POOL_SIZE }, () => pool.query('SELECT pg_sleep(0.05)')));
    const backends = await backendsOf(admin, [process.pid]);
    const before = { node: ticksOf(process.pid), pg: backends.map(ticksOf) };
    const result = await readThenAppend(emmettReadThenAppend(store), { writers, commands, streams });
    const after = { node: ticksOf(process.pid), pg: backends.map(ticksOf) };
    const per = (ticks: number) => ((ticks * 10) / result.appends).toFixed(3);
    console.log(
      `emmett, ${writers} writers, ${length} events per stream: ${result.appendsPerSecond} commands/s, ${result.conflicts} conflicts; ` +
        `CPU per command: node ${per(after.node - before.node)} ms, postgres ${per(backendTicks(before.pg, after.pg))} ms (${backends.length} backends); ${describeLoadAverage()}`,
    );
  } finally {
    await store.close().catch(() => undefined);
    await pool.end().catch(() => undefined);
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await admin.end();
  }
};

/** Ticks the backends spent between two snapshots; one gone meanwhile (an idle connection the pool closed) counts none. */
const backendTicks = (before: number[], after: number[]): number => after.reduce((sum, ticks, i) => sum + (ticks === 0 ? 0 : ticks - before[i]!), 0);

void main();
