import { quoteIdent, type SqlClient, type SqlTx } from './sql-client';

export const DEFAULT_SCHEMA = 'zan';

/**
 * Lower-case identifiers only, so the name needs no case folding anywhere; short enough that the
 * NOTIFY channel `<schema>.events` stays within PostgreSQL's 63-byte identifier limit.
 */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,47}$/;

export const assertSchemaName = (schema: string): string => {
  if (!SCHEMA_NAME.test(schema) || schema.startsWith('pg_')) {
    throw new TypeError(`invalid schema name ${JSON.stringify(schema)}: use [a-z_][a-z0-9_]*, at most 48 characters`);
  }
  return schema;
};

/** The channel appends NOTIFY on, per schema so that stores sharing a database don't wake each other. */
export const eventsChannel = (schema: string): string => `${schema}.events`;

/** The tables of one schema, quoted (`"zan".streams`, `"zan".events`). */
export interface EventTables {
  streams: string;
  events: string;
  /** The api's idempotency records (created by SqlIdempotencyStore, not here): appends that claim keys write them (AppendOptions.claims). */
  keys: string;
}

export const eventTables = (schema: string): EventTables => ({
  streams: `${quoteIdent(schema)}.streams`,
  events: `${quoteIdent(schema)}.events`,
  keys: `${quoteIdent(schema)}.idempotency`,
});

/** At most this many events per transaction: the global position is transaction_id * 100000 + tx_index. */
export const TX_INDEX_LIMIT = 100_000;

interface Migration {
  version: number;
  name: string;
  up: (schema: string) => string[];
}

/** Append-only: a released migration is never edited; add the next version instead. */
const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'streams, events, checkpoints',
    up: (s) => [
      `CREATE TABLE IF NOT EXISTS ${s}.streams (
        stream_id text PRIMARY KEY,
        revision bigint NOT NULL CHECK (revision >= 0)
      )`,
      `CREATE TABLE IF NOT EXISTS ${s}.events (
        transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
        tx_index int NOT NULL CONSTRAINT events_tx_index_range CHECK (tx_index >= 0 AND tx_index < ${TX_INDEX_LIMIT}),
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
      )`,
      `CREATE TABLE IF NOT EXISTS ${s}.checkpoints (
        name text PRIMARY KEY,
        position numeric(39, 0) NOT NULL CHECK (position >= 0),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`,
    ],
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

/** The schema records a version this Zan does not know: a later Zan migrated it. */
export class SchemaTooNew extends Error {
  constructor(
    readonly schema: string,
    readonly version: number,
  ) {
    super(`schema ${schema} is at version ${version}, newer than this Zan knows (${LATEST_SCHEMA_VERSION}): a later Zan migrated it; run that one`);
    this.name = 'SchemaTooNew';
  }
}

/**
 * What Zan v1 reads at its start (`SELECT version FROM <schema>.migrations`): since v1.1 a view that
 * raises, so a v1 process started on a schema a later Zan migrated stops there with this sentence
 * instead of running on events it cannot read (it ignores event types it does not know: debits
 * unseen, balances too high, credits skipped). v1.1 and later keep their versions in
 * schema_migrations.
 */
const REFUSE_OLDER_ZAN = (s: string): string[] => [
  `CREATE OR REPLACE FUNCTION ${s}.refuse_older_zan() RETURNS int LANGUAGE plpgsql AS $body$
   BEGIN
     RAISE EXCEPTION 'this schema was migrated by Zan v1.1 or later, and this Zan is older: it must not run on it (it would misread the events written since); run Zan v1.1 or later'
       USING ERRCODE = 'ZN001';
   END $body$`,
  `CREATE OR REPLACE VIEW ${s}.migrations AS SELECT ${s}.refuse_older_zan() AS version, NULL::text AS name, NULL::timestamptz AS applied_at`,
];

/**
 * Creates or upgrades the schema. Idempotent; concurrent starters queue on an advisory lock taken for
 * the transaction, so two processes never race on CREATE. Each applied version is recorded; a schema
 * recording a version this Zan does not know is refused (SchemaTooNew), and so is, by Zan v1, a
 * schema this Zan migrated (REFUSE_OLDER_ZAN).
 */
export const migrate = async (sql: SqlClient, schema: string = DEFAULT_SCHEMA): Promise<void> => {
  const s = quoteIdent(assertSchemaName(schema));
  await underMigrationLock(sql, schema, async (tx) => {
    await tx.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await tx.query(`CREATE TABLE IF NOT EXISTS ${s}.schema_migrations (
      version int PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows: kinds } = await tx.query<{ kind: string }>(
      `SELECT c.relkind::text AS kind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1::text AND c.relname = 'migrations'`,
      [schema],
    );
    if (kinds[0]?.kind !== 'v') {
      // Zan v1 recorded its versions in a table of that name: they move, and the name refuses v1.
      if (kinds[0]?.kind === 'r') {
        await tx.query(
          `INSERT INTO ${s}.schema_migrations (version, name, applied_at) SELECT version, name, applied_at FROM ${s}.migrations ON CONFLICT (version) DO NOTHING`,
        );
        await tx.query(`DROP TABLE ${s}.migrations`);
      }
      for (const statement of REFUSE_OLDER_ZAN(s)) await tx.query(statement);
    }
    const { rows } = await tx.query<{ version: number }>(`SELECT version FROM ${s}.schema_migrations`);
    const applied = new Set(rows.map((row) => Number(row.version)));
    const newest = Math.max(0, ...applied);
    if (newest > LATEST_SCHEMA_VERSION) throw new SchemaTooNew(schema, newest);
    for (const migration of MIGRATIONS) {
      if (applied.has(migration.version)) continue;
      for (const statement of migration.up(s)) await tx.query(statement);
      await tx.query(`INSERT INTO ${s}.schema_migrations (version, name) VALUES ($1::int, $2::text)`, [migration.version, migration.name]);
    }
  });
};

/**
 * Runs `fn` in one transaction holding the schema's migration lock: processes that start together on
 * a fresh schema queue here instead of racing on CREATE ... IF NOT EXISTS (which fails the loser of
 * the race on a duplicate catalog row). The stores beside the events migrate their tables with it too.
 */
export const underMigrationLock = (sql: SqlClient, schema: string, fn: (tx: SqlTx) => Promise<void>): Promise<void> =>
  sql.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1::text))', [`zan.migrate.${schema}`]);
    await fn(tx);
  });
