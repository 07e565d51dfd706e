/**
 * Physical baselines: what PostgreSQL, Kafka and Redis do with the same writes when nothing of Zan is
 * in the way. A scenario measures these in its own run, on the same machine, and reports its figure
 * as a ratio to them (bench/lib/types.ts, Baseline).
 *
 * Each one writes under a name of its own (a PostgreSQL schema, a topic prefix, a Redis key prefix)
 * and removes it at the end, even when it fails.
 */
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { removeKeys } from '../../test/support/stacks';
import { Kafka, logLevel, Partitioners, type Message } from 'kafkajs';
import { Client } from 'pg';
import type { StoredEvent } from '@zan/contracts';
import { migrate, PgSqlClient } from '@zan/event-store';
import { encodeEvent, KafkaEventBus } from '@zan/messaging';
import { isolation } from '../../test/support/isolation';
import { tipPraised } from '../lib/events';
import { readThenAppend } from '../lib/read-then-append';
import { timedLoop } from '../lib/stats';
import type { Baseline } from '../lib/types';

export interface PhysicalMeasure {
  /** Stable key for the history, with the parameters in it (e.g. `pg_insert_single_20conn`). */
  key: string;
  label: string;
  value: number;
  unit: 'events/s';
  /** How it was measured, for the scenario's setup text. */
  detail: string;
}

export const asBaseline = (measure: PhysicalMeasure, compares: string): Baseline => ({
  key: measure.key,
  label: measure.label,
  kind: 'physical',
  value: measure.value,
  unit: measure.unit,
  compares,
});

/** A pool of TipPraised payloads, serialised once, so the loops measure the servers and not JSON.stringify. */
const payloads = (() => {
  let cached: { type: string; data: string; metadata: string; streamKey: string }[] | undefined;
  return () =>
    (cached ??= Array.from({ length: 256 }, (_, i) => {
      const event = tipPraised(`user${1000 + i}`, `user${i % 50}`, i);
      return { type: event.type, data: JSON.stringify(event.data), metadata: JSON.stringify(event.metadata), streamKey: `user${1000 + i}` };
    }));
})();

const meanPayloadBytes = (pool: ReturnType<typeof payloads>): number =>
  Math.round(pool.reduce((sum, p) => sum + Buffer.byteLength(p.data) + Buffer.byteLength(p.metadata), 0) / pool.length);

export interface PgInsertOptions {
  databaseUrl: string;
  /** Connections writing at once, one loop each. */
  connections: number;
  /** Rows per INSERT: 1 is single-row autocommit (one transaction, one commit, per row). */
  batchSize: number;
  durationMs: number;
}

/**
 * Raw INSERTs into a table made by Zan's own migration (the same columns, keys and unique
 * constraints as the event store), at the server's durability: synchronous_commit as configured
 * (on by default), each statement its own transaction. No streams table, no revision check, no
 * NOTIFY: only the rows. Prepared statements, payloads serialised beforehand.
 */
export const pgInserts = async (options: PgInsertOptions): Promise<PhysicalMeasure> => {
  const { connections, batchSize } = options;
  const schema = isolation(`pgbase${batchSize}`).pgSchema;
  const admin = new PgSqlClient({ connectionString: options.databaseUrl, poolSize: 1, applicationName: 'zan-bench-baseline' });
  const clients: Client[] = [];
  try {
    await migrate(admin, schema);
    const synchronousCommit = (await admin.query<{ synchronous_commit: string }>('SHOW synchronous_commit')).rows[0]!.synchronous_commit;
    const table = `"${schema}".events`;
    const columns = '(tx_index, id, stream_id, revision, type, version, data, metadata, occurred_at)';
    const single = {
      name: `bench-insert-single-${schema}`,
      text: `INSERT INTO ${table} ${columns} VALUES (0, $1::uuid, $2::text, $3::bigint, $4::text, 1, $5::jsonb, $6::jsonb, $7::timestamptz)`,
    };
    const batched = {
      name: `bench-insert-batch-${schema}`,
      text: `INSERT INTO ${table} ${columns}
             SELECT u.ord::int - 1, u.id, u.stream_id, u.revision, u.type, 1, u.data, u.metadata, u.occurred_at
             FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::text[], $5::jsonb[], $6::jsonb[], $7::timestamptz[])
                  WITH ORDINALITY AS u(id, stream_id, revision, type, data, metadata, occurred_at, ord)`,
    };
    for (let i = 0; i < connections; i++) {
      const client = new Client({ connectionString: options.databaseUrl, application_name: 'zan-bench-baseline' });
      client.on('error', () => undefined);
      await client.connect();
      clients.push(client);
    }
    const pool = payloads();
    const result = await timedLoop({
      workers: connections,
      durationMs: options.durationMs,
      step: async (worker, iteration) => {
        const client = clients[worker]!;
        const now = new Date().toISOString();
        if (batchSize === 1) {
          const p = pool[iteration % pool.length]!;
          // One stream per connection, the revision counting up as an append's would.
          await client.query({ ...single, values: [randomUUID(), `wallet-pb${worker}`, iteration, p.type, p.data, p.metadata, now] });
          return 1;
        }
        const ids: string[] = [],
          streams: string[] = [],
          revisions: number[] = [],
          types: string[] = [];
        const data: string[] = [],
          metadata: string[] = [],
          times: string[] = [];
        for (let j = 0; j < batchSize; j++) {
          const p = pool[(iteration * batchSize + j) % pool.length]!;
          // Every row of a batch on a stream of its own, as many streams' appends would be.
          ids.push(randomUUID());
          streams.push(`wallet-pb${worker}-${j}`);
          revisions.push(iteration);
          types.push(p.type);
          data.push(p.data);
          metadata.push(p.metadata);
          times.push(now);
        }
        await client.query({ ...batched, values: [ids, streams, revisions, types, data, metadata, times] });
        return batchSize;
      },
    });
    const shape = batchSize === 1 ? 'single-row INSERT, autocommit' : `INSERT of ${batchSize} rows (unnest), autocommit`;
    return {
      key: batchSize === 1 ? `pg_insert_single_${connections}conn` : `pg_insert_batch${batchSize}_${connections}conn`,
      label: `raw PostgreSQL, ${shape}, ${connections} connection${connections === 1 ? '' : 's'}`,
      value: result.opsPerSecond,
      unit: 'events/s',
      detail:
        `${result.operations} event rows (TipPraised, ${meanPayloadBytes(pool)} B of data and metadata on average) into a copy of the events table in ` +
        `${(result.elapsedMs / 1000).toFixed(1)} s; ${shape}; ${connections} connection(s); synchronous_commit=${synchronousCommit}`,
    };
  } finally {
    await Promise.all(clients.map((client) => client.end().catch(() => undefined)));
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await admin.close();
  }
};

export interface KafkaProduceOptions {
  brokers: string[];
  /** Messages per sendBatch (the relay's default batch is 500). */
  batchSize: number;
  durationMs: number;
  partitions?: number;
}

/**
 * Raw kafkajs produce of the messages the relay sends for TipPraised events (CloudEvents headers,
 * JSON value, keyed by stream), with the relay's producer settings: idempotent, one request in
 * flight, acks=-1 (all in-sync replicas), murmur2 partitioner. One producer, one batch after another.
 */
export const kafkaProduce = async (options: KafkaProduceOptions): Promise<PhysicalMeasure> => {
  const { topicPrefix } = isolation('kafkabase');
  const partitions = options.partitions ?? 3;
  const bus = new KafkaEventBus({ brokers: options.brokers, clientId: 'zan-bench-baseline', topicPrefix, partitions });
  const kafka = new Kafka({ clientId: 'zan-bench-baseline', brokers: options.brokers, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  try {
    await bus.ensureTopics(['tip']);
    const records = Array.from({ length: 1000 }, (_, i) => {
      const event = tipPraised(`user${1000 + (i % 256)}`, `user${i % 50}`, i);
      const stored: StoredEvent = { ...event, version: 1, streamId: `wallet-user${1000 + (i % 256)}`, revision: i, position: BigInt(i + 2) * 100_000n };
      return encodeEvent(stored, BigInt(i + 1) * 100_000n, topicPrefix);
    });
    const topic = records[0]!.topic;
    const messages: Message[] = records.map(({ key, headers, value }) => ({ key, headers, value }));
    const bytes =
      records.reduce(
        (sum, r) => sum + Buffer.byteLength(r.value) + Object.entries(r.headers).reduce((h, [k, v]) => h + k.length + Buffer.byteLength(v), 0),
        0,
      ) / records.length;
    await producer.connect();
    const result = await timedLoop({
      workers: 1,
      durationMs: options.durationMs,
      step: async (_, iteration) => {
        const start = (iteration * options.batchSize) % messages.length;
        const batch = Array.from({ length: options.batchSize }, (_, j) => messages[(start + j) % messages.length]!);
        await producer.sendBatch({ acks: -1, topicMessages: [{ topic, messages: batch }] });
        return batch.length;
      },
    });
    return {
      key: `kafka_produce_batch${options.batchSize}`,
      label: `raw Kafka produce (kafkajs, acks=-1, idempotent), batches of ${options.batchSize}`,
      value: result.opsPerSecond,
      unit: 'events/s',
      detail:
        `${result.operations} TipPraised messages (~${Math.round(bytes)} B of value and headers) to one topic of ${partitions} ` +
        `partitions in ${(result.elapsedMs / 1000).toFixed(1)} s; one producer, sendBatch of ${options.batchSize}, acks=-1`,
    };
  } finally {
    await producer.disconnect().catch(() => undefined);
    await bus.close().catch(() => undefined);
    await deleteTopics(kafka, topicPrefix);
  }
};

const deleteTopics = async (kafka: Kafka, prefix: string): Promise<void> => {
  const admin = kafka.admin();
  try {
    await admin.connect();
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(`${prefix}.`));
    if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 10_000 });
  } catch {
    // Nothing to clean when the broker is gone; the measure already failed then.
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
};

export interface RedisPipelineOptions {
  redisUrl: string;
  /** Events per pipeline; each event is three commands. */
  batchSize: number;
  durationMs: number;
}

/**
 * Raw ioredis pipelines of the writes a tip makes in the read models: HINCRBY of a balance, HSET of
 * the stream's last revision (dedupe), ZADD into a feed; one pipeline after another on one
 * connection. No Lua, no MULTI, no watermark: the plain commands.
 */
export const redisPipeline = async (options: RedisPipelineOptions): Promise<PhysicalMeasure> => {
  const { redisPrefix: prefix } = isolation('redisbase');
  const redis = new Redis(options.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    const result = await timedLoop({
      workers: 1,
      durationMs: options.durationMs,
      step: async (_, iteration) => {
        const pipeline = redis.pipeline();
        for (let j = 0; j < options.batchSize; j++) {
          const n = iteration * options.batchSize + j;
          const author = `user${n % 500}`;
          pipeline.hincrby(`${prefix}balance:${author}`, 'available', 500 + (n % 4_500));
          pipeline.hset(`${prefix}dedupe`, `wallet-user${n % 5_000}`, String(n));
          pipeline.zadd(`${prefix}feed:${author}`, n, `tip-${n}`);
        }
        const replies = (await pipeline.exec()) ?? [];
        const failed = replies.find(([error]) => error)?.[0];
        if (failed) throw failed;
        return options.batchSize;
      },
    });
    return {
      key: `redis_pipeline_batch${options.batchSize}`,
      label: `raw Redis, pipelines of ${options.batchSize} events (HINCRBY + HSET + ZADD each)`,
      value: result.opsPerSecond,
      unit: 'events/s',
      detail: `${result.operations} events (${result.operations * 3} commands) in ${(result.elapsedMs / 1000).toFixed(1)} s; one connection, one pipeline at a time`,
    };
  } finally {
    if (redis.status === 'ready') await removeKeys(redis, prefix);
    redis.disconnect();
  }
};

export interface PgReadThenAppendOptions {
  databaseUrl: string;
  /** Writers, each on a connection of its own. */
  writers: number;
  /** Commands shared by the writers (read-then-append's fixed count). */
  commands: number;
  /** Fresh streams made for the phase, one event each, before the clock starts. */
  streams: number;
}

/**
 * The least a read-then-append with optimistic concurrency does on PostgreSQL, as the floor of the
 * peer benchmark's shape: per command, one SELECT of the stream's events (data and metadata, parsed,
 * as a handler that folds them needs) and one single-row INSERT at the next revision, autocommit, the
 * table's unique (stream, revision) refusing a revision another writer took (read again and retry).
 * Into a table made by Zan's own migration; no streams table, no NOTIFY, no group commit, no pool
 * beyond a connection per writer, prepared statements. Same loop as the stores (readThenAppend).
 */
export const pgReadThenAppend = async (options: PgReadThenAppendOptions): Promise<PhysicalMeasure & { conflicts: number }> => {
  const { writers } = options;
  const schema = isolation(`pgrta${writers}`).pgSchema;
  const admin = new PgSqlClient({ connectionString: options.databaseUrl, poolSize: 1, applicationName: 'zan-bench-baseline' });
  const clients: Client[] = [];
  try {
    await migrate(admin, schema);
    const table = `"${schema}".events`;
    const read = { name: `bench-rta-read-${schema}`, text: `SELECT revision, data, metadata FROM ${table} WHERE stream_id = $1::text ORDER BY revision` };
    const insert = {
      name: `bench-rta-insert-${schema}`,
      text: `INSERT INTO ${table} (tx_index, id, stream_id, revision, type, version, data, metadata, occurred_at)
             VALUES (0, $1::uuid, $2::text, $3::bigint, $4::text, 1, $5::jsonb, $6::jsonb, now())`,
    };
    const pool = payloads();
    const streams = Array.from({ length: options.streams }, (_, k) => `wallet-pgrta${writers}w${k}`);
    for (const [k, stream] of streams.entries()) {
      const p = pool[k % pool.length]!;
      await admin.query(insert.text, [randomUUID(), stream, 0, p.type, p.data, p.metadata]);
    }
    for (let i = 0; i < writers; i++) {
      const client = new Client({ connectionString: options.databaseUrl, application_name: 'zan-bench-baseline' });
      client.on('error', () => undefined);
      await client.connect();
      clients.push(client);
    }
    const idle = [...clients];
    const withClient = async <T>(work: (client: Client) => Promise<T>): Promise<T> => {
      const client = idle.pop()!; // as many clients as writers: one is always free
      try {
        return await work(client);
      } finally {
        idle.push(client);
      }
    };
    const result = await readThenAppend(
      {
        read: (stream) =>
          withClient(async (client) => {
            const { rows } = await client.query<{ revision: string }>({ ...read, values: [stream] });
            return rows.length === 0 ? -1 : Number(rows[rows.length - 1]!.revision);
          }),
        append: (stream, revision, n) =>
          withClient(async (client) => {
            const p = pool[n % pool.length]!;
            try {
              await client.query({ ...insert, values: [randomUUID(), stream, revision + 1, p.type, p.data, p.metadata] });
              return true;
            } catch (error) {
              if ((error as { code?: string }).code === '23505') return false; // unique_violation: the revision was taken
              throw error;
            }
          }),
      },
      { writers, commands: options.commands, streams },
    );
    const {
      rows: [stored],
    } = await admin.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${table}`);
    if (Number(stored!.n) !== options.streams + result.appends) {
      throw new Error(`raw read-then-append stored ${stored!.n} rows, ${options.streams + result.appends} expected`);
    }
    return {
      key: `pg_rta_${writers}w`,
      label: `raw PostgreSQL read-then-append (SELECT the stream, single-row INSERT at the next revision), ${writers} writer${writers === 1 ? '' : 's'}`,
      value: result.appendsPerSecond,
      unit: 'events/s',
      conflicts: result.conflicts,
      detail:
        `${result.appends} commands over ${options.streams} streams in ${(result.elapsedMs / 1000).toFixed(1)} s; per command a SELECT of the stream's events ` +
        `and a single-row INSERT at the next revision (unique (stream, revision) refusing a taken one: ${result.conflicts} retried); ${writers} connection(s)`,
    };
  } finally {
    await Promise.all(clients.map((client) => client.end().catch(() => undefined)));
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await admin.close();
  }
};
