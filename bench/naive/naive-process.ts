import { Client } from 'pg';
import { createPostgresEventStore, type PostgresEventStore } from '@zan/event-store';
import { isolation } from '../../test/support/isolation';
import { TEST_JWT_SECRET } from '../../test/support/tokens';
import { startScript } from '../lib/stack';
import { serversOf } from '../lib/servers';
import type { BenchContext } from '../lib/types';

export interface NaiveApp {
  url: string;
  /** The bench's own connection to the naive app's schema (seeding, checks). */
  events: PostgresEventStore;
  pid: number;
  close(): Promise<void>;
}

/**
 * Starts the naive app (bench/naive/main.ts) as a process of its own on a fresh schema, after `seed`
 * has written what the scenario needs into it. `close()` stops it and drops the schema.
 */
export const startNaive = async (context: BenchContext, label: string, seed: (events: PostgresEventStore) => Promise<unknown>): Promise<NaiveApp> => {
  const { databaseUrl } = serversOf(context);
  const schema = isolation(`naive${label}`).pgSchema;
  const events = await createPostgresEventStore({ connectionString: databaseUrl, schema, poolSize: 4, applicationName: 'bench' });
  const drop = async () => {
    await events.eventStore.close().catch(() => undefined);
    const pg = new Client({ connectionString: databaseUrl });
    await pg.connect();
    await pg.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pg.end();
  };
  try {
    await seed(events);
    const app = await startScript(
      'bench/naive/main.ts',
      { NAIVE_DATABASE_URL: databaseUrl, NAIVE_PG_SCHEMA: schema, NAIVE_JWT_SECRET: TEST_JWT_SECRET },
      /listening on port \d+/,
    );
    return {
      url: `http://127.0.0.1:${/listening on port (\d+)/.exec(app.output())![1]}`,
      events,
      pid: app.child.pid!,
      close: async () => {
        await app.kill();
        await drop();
      },
    };
  } catch (error) {
    await drop();
    throw error;
  }
};
