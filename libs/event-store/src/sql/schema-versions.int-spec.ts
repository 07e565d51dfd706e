import { Pool } from 'pg';
import { isolation, testServers } from '../../../../test/support/isolation';
import { PgliteSqlClient } from '../embedded/pglite-sql-client';
import { PgSqlClient } from '../postgres/pg-sql-client';
import { LATEST_SCHEMA_VERSION, SchemaTooNew, migrate } from './schema';
import { quoteIdent, type SqlClient } from './sql-client';
import { SqlEventStore } from './sql-event-store';

jest.setTimeout(60_000);

const { databaseUrl } = testServers();

/**
 * Zan v1's start (libs/event-store/src/sql/schema.ts at the v1 release, a0e0089), statement for
 * statement: what a v1 process runs on a schema before it serves anything. It ignores versions it
 * does not know, and its deciders ignore event types they do not know.
 */
const startAsV1Did = (sql: SqlClient, schema: string): Promise<void> => {
  const s = quoteIdent(schema);
  return sql.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1::text))', [`zan.migrate.${schema}`]);
    await tx.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await tx.query(`CREATE TABLE IF NOT EXISTS ${s}.migrations (
      version int PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await tx.query<{ version: number }>(`SELECT version FROM ${s}.migrations`);
    if (rows.some((row) => Number(row.version) === 1)) return;
    await tx.query(`CREATE TABLE IF NOT EXISTS ${s}.streams (
        stream_id text PRIMARY KEY,
        revision bigint NOT NULL CHECK (revision >= 0)
      )`);
    await tx.query(`CREATE TABLE IF NOT EXISTS ${s}.events (
        transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
        tx_index int NOT NULL CONSTRAINT events_tx_index_range CHECK (tx_index >= 0 AND tx_index < 100000),
        id uuid NOT NULL CONSTRAINT events_id_unique UNIQUE,
        stream_id text NOT NULL,
        revision bigint NOT NULL,
        type text NOT NULL,
        version int NOT NULL,
        data jsonb NOT NULL,
        metadata jsonb NOT NULL,
        occurred_at timestamptz NOT NULL,
        CONSTRAINT events_pkey PRIMARY KEY (transaction_id, tx_index),
        CONSTRAINT events_stream_revision_unique UNIQUE (stream_id, revision)
      )`);
    await tx.query(`CREATE TABLE IF NOT EXISTS ${s}.checkpoints (
        name text PRIMARY KEY,
        position numeric(39, 0) NOT NULL CHECK (position >= 0),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await tx.query(`INSERT INTO ${s}.migrations (version, name) VALUES ($1::int, $2::text)`, [1, 'streams, events, checkpoints']);
  });
};

/** A wallet's first event as Zan v1 stored it (a row seen in a v1 schema). */
const seedV1Wallet = async (sql: SqlClient, schema: string): Promise<void> => {
  const s = quoteIdent(schema);
  await sql.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO ${s}.events (tx_index, id, stream_id, revision, type, version, data, metadata, occurred_at)
       VALUES (0, 'b7d9a3c2-1f4e-5a6b-8c7d-9e0f1a2b3c4d', 'wallet-alice', 0, 'WalletOpened', 1, '{"userId":"alice","kind":"individual"}',
               '{"correlationId":"c0ffee00-0000-4000-8000-000000000001","causationId":"c0ffee00-0000-4000-8000-000000000002","userId":"alice"}',
               '2026-11-30T08:00:00.000Z')`,
    );
    await tx.query(`INSERT INTO ${s}.streams (stream_id, revision) VALUES ('wallet-alice', 0)`);
  });
};

/** Schema version bookkeeping across releases, on both SQL stores. */
describe.each([
  ['PostgreSQL', () => new PgSqlClient({ connectionString: databaseUrl, poolSize: 2 })],
  ['embedded (PGlite)', () => PgliteSqlClient.open('memory://')],
] as const)('schema versions (%s)', (_name, open) => {
  const { pgSchema: schema } = isolation('schema-versions');
  let sql: SqlClient;

  beforeAll(async () => {
    sql = await open();
  });

  afterAll(async () => {
    await sql?.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`).catch(() => undefined);
    await sql?.close();
  });

  it('upgrades a schema Zan v1 made: its events are read as they were', async () => {
    await startAsV1Did(sql, schema);
    await seedV1Wallet(sql, schema);
    await migrate(sql, schema);
    await migrate(sql, schema);
    const store = new SqlEventStore(sql, { schema });
    expect((await store.readStream('wallet-alice')).map((e) => [e.type, e.revision, e.data])).toEqual([
      ['WalletOpened', 0, { userId: 'alice', kind: 'individual' }],
    ]);
  });

  it('a Zan v1 started on the upgraded schema stops at once, saying why (it would ignore the new debits)', async () => {
    await expect(startAsV1Did(sql, schema)).rejects.toThrow(/migrated by Zan v1\.1 or later.*run Zan v1\.1 or later/);
    // and this Zan still starts on it
    await expect(migrate(sql, schema)).resolves.toBeUndefined();
  });

  it('refuses a schema a later Zan migrated (a version it does not know)', async () => {
    const s = quoteIdent(schema);
    await sql.query(`INSERT INTO ${s}.schema_migrations (version, name) VALUES ($1::int, 'from the future')`, [LATEST_SCHEMA_VERSION + 1]);
    const refused = migrate(sql, schema);
    await expect(refused).rejects.toThrow(SchemaTooNew);
    await expect(migrate(sql, schema)).rejects.toThrow(`schema ${schema} is at version ${LATEST_SCHEMA_VERSION + 1}, newer than this Zan knows`);
    await sql.query(`DELETE FROM ${s}.schema_migrations WHERE version > $1::int`, [LATEST_SCHEMA_VERSION]);
  });
});

describe('schema versions (PostgreSQL, concurrent starts)', () => {
  const { pgSchema: schema } = isolation('schema-versions');
  const pool = new Pool({ connectionString: databaseUrl, max: 1 });

  afterAll(async () => {
    await pool.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
    await pool.end();
  });

  it('moves a v1 schema once when replicas start together', async () => {
    const sql = new PgSqlClient({ connectionString: databaseUrl, poolSize: 4 });
    try {
      await startAsV1Did(sql, schema);
      await Promise.all([migrate(sql, schema), migrate(sql, schema), migrate(sql, schema)]);
      const { rows } = await pool.query(`SELECT version FROM ${quoteIdent(schema)}.schema_migrations`);
      expect(rows.map((row: { version: number }) => Number(row.version))).toEqual([1]);
    } finally {
      await sql.close();
    }
  });
});
