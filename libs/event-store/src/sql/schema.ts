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
}

export const eventTables = (schema: string): EventTables => ({ streams: `${quoteIdent(schema)}.streams`, events: `${quoteIdent(schema)}.events` });

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

/**
 * Creates or upgrades the schema. Idempotent; concurrent starters queue on an advisory lock taken for
 * the transaction, so two processes never race on CREATE. Each applied version is recorded.
 */
export const migrate = async (sql: SqlClient, schema: string = DEFAULT_SCHEMA): Promise<void> => {
  const s = quoteIdent(assertSchemaName(schema));
  await underMigrationLock(sql, schema, async (tx) => {
    await tx.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await tx.query(`CREATE TABLE IF NOT EXISTS ${s}.migrations (
      version int PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await tx.query<{ version: number }>(`SELECT version FROM ${s}.migrations`);
    const applied = new Set(rows.map((row) => Number(row.version)));
    for (const migration of MIGRATIONS) {
      if (applied.has(migration.version)) continue;
      for (const statement of migration.up(s)) await tx.query(statement);
      await tx.query(`INSERT INTO ${s}.migrations (version, name) VALUES ($1::int, $2::text)`, [migration.version, migration.name]);
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
