import { Client } from 'pg';
import { isolation, testServers } from '../../../../test/support/isolation';
import { createPostgresEventStore, type PostgresEventStore } from '../postgres/postgres-event-store';
import { quoteIdent } from './sql-client';
import { testEvent } from '../testing/event-store.contract';

const { databaseUrl } = testServers();

/**
 * headPosition() stops short of a transaction still in flight (a reader in global order must not
 * pass it); latestPosition() is the newest committed event anyway: what read-your-writes waits for
 * once a reaction is committed, or it answers before the reaction is projected.
 */
describe('SQL event store: latestPosition beside headPosition', () => {
  const { pgSchema } = isolation('latest-pos');
  let store: PostgresEventStore;
  let other: Client;

  beforeAll(async () => {
    store = await createPostgresEventStore({ connectionString: databaseUrl, schema: pgSchema, poolSize: 4 });
    other = new Client({ connectionString: databaseUrl });
    await other.connect();
  });

  afterAll(async () => {
    await other.query('ROLLBACK').catch(() => undefined);
    await other.end();
    await store.eventStore.close();
    const admin = new Client({ connectionString: databaseUrl });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS ${quoteIdent(pgSchema)} CASCADE`);
    await admin.end();
  });

  /** headPosition once no other suite's transaction holds the server's horizon back (at most 5 s). */
  const headOnceQuiet = async (): Promise<bigint | undefined> => {
    const latest = await store.eventStore.latestPosition!();
    for (let tries = 0; tries < 100; tries++) {
      const head = await store.eventStore.headPosition();
      if (head === latest) return head;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return store.eventStore.headPosition();
  };

  it('includes an event committed behind a transaction still in flight', async () => {
    const first = await store.eventStore.append('wallet-a', [testEvent()], 'no_stream');
    await other.query('BEGIN');
    await other.query('SELECT pg_current_xact_id()'); // an older transaction id, still open
    const second = await store.eventStore.append('wallet-b', [testEvent()], 'no_stream');

    // The horizon is the whole server's: another suite's open transaction can hold it further back
    // (at or before `first`), never past the one still open here.
    expect(first.position).toBeLessThan(second.position);
    expect((await store.eventStore.headPosition()) ?? 0n).toBeLessThan(second.position);
    expect(await store.eventStore.latestPosition!()).toBe(second.position);

    await other.query('COMMIT');
    expect(await headOnceQuiet()).toBe(second.position);
    expect(await store.eventStore.latestPosition!()).toBe(second.position);
  });
});
