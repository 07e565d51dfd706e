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

  it('includes an event committed behind a transaction still in flight', async () => {
    const first = await store.eventStore.append('wallet-a', [testEvent()], 'no_stream');
    await other.query('BEGIN');
    await other.query('SELECT pg_current_xact_id()'); // an older transaction id, still open
    const second = await store.eventStore.append('wallet-b', [testEvent()], 'no_stream');

    expect(await store.eventStore.headPosition()).toBe(first.position);
    expect(await store.eventStore.latestPosition!()).toBe(second.position);

    await other.query('COMMIT');
    expect(await store.eventStore.headPosition()).toBe(second.position);
    expect(await store.eventStore.latestPosition!()).toBe(second.position);
  });
});
