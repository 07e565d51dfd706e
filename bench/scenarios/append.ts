/**
 * Scenario 5, append: event-store appends/s through the EventStore port on the PostgreSQL adapter,
 * on one hot stream and on many streams, beside raw PostgreSQL inserts of the same rows; then a
 * command handler's read-then-append over 1,000 streams at 1, 8 and 32 writers, beside raw inserts
 * on as many connections, the same commands as bare SQL (the shape's floor) and Emmett's PostgreSQL event store doing the same commands (issue 22).
 *
 * Everything goes through the public `append`, so the figures are whatever the store does at this
 * commit (one transaction per append, or group commit when the store batches concurrent appends).
 */
import { Client } from 'pg';
import { createPostgresEventStore, type EventStore, type ExpectedRevision, WrongExpectedRevisionError } from '@zan/event-store';
import { isolation } from '../../test/support/isolation';
import { emmettVersion, startEmmett, type EmmettPeer } from '../baselines/emmett';
import { asBaseline, pgInserts, pgReadThenAppend, type PgInsertOptions, type PhysicalMeasure } from '../baselines/physical';
import { payloadBytes, readerStream, tipPraised } from '../lib/events';
import { readThenAppend, type ReadThenAppendResult } from '../lib/read-then-append';
import { serversOf } from '../lib/servers';
import { roundMs, scaledMs, spread, timedLoop } from '../lib/stats';
import type { Baseline, BenchContext, Figure, Scenario, ScenarioResult } from '../lib/types';

/** The api's pool (ZAN_PG_POOL_SIZE default): the store gets as many connections as it would deployed. */
const POOL_SIZE = 20;
/** Appenders racing on the hot stream. */
const RACERS = 8;
/** Concurrent appenders on many streams, each cycling over streams of its own. */
const APPENDERS = 64;
const STREAMS_PER_APPENDER = 8;
/** Rows per INSERT of the batched baseline, and its connections. */
const BASELINE_BATCH = 100;
const BASELINE_BATCH_CONNECTIONS = 4;
/** Read-then-append (the peer benchmark's shape): streams per phase, writers, commands per phase. */
const RTA_STREAMS = 1_000;
const RTA_WRITERS = [1, 8, 32] as const;
const RTA_COMMANDS = 20_000;
/** Emmett's pool: a connection for each writer at the most writers, so its pool is never the limit. */
const EMMETT_POOL_SIZE = 32;
/** The command handler's page (apps/api/src/command-path/stream-state-cache.ts). */
const READ_PAGE = 1_000;

export const run: Scenario = async (context): Promise<ScenarioResult> => {
  const { databaseUrl } = serversOf(context);
  const phaseMs = scaledMs(10_000, context.scale);
  const baselineMs = scaledMs(5_000, context.scale);
  const iso = isolation('append');
  const opened = await createPostgresEventStore({
    connectionString: databaseUrl,
    schema: iso.pgSchema,
    poolSize: POOL_SIZE,
    applicationName: 'zan-bench-append',
  });
  const store = opened.eventStore;
  const checks: ScenarioResult['checks'] = [];
  const notes: string[] = [];
  let counted = 0; // every successful append's events, warm-ups included, for the row-count check
  let emmett: EmmettPeer | undefined;
  try {
    // Opens the pool's connections before any clock starts.
    await Promise.all(
      Array.from({ length: POOL_SIZE }, (_, i) => store.append(readerStream(`warmup${i}`), [tipPraised(`warmup${i}`, 'author1', 0)], 'no_stream')),
    );
    counted += POOL_SIZE;

    // (a1) One appender, one stream, each append expecting the revision the previous one returned.
    context.log(`hot stream, sequential appends for ${phaseMs} ms`);
    const sequentialStream = readerStream('hotseq');
    let expected: ExpectedRevision = 'no_stream';
    let lastPosition = 0n;
    let positionsIncrease = true;
    const sequential = await timedLoop({
      workers: 1,
      durationMs: phaseMs,
      recordLatency: true,
      step: async (_, n) => {
        const result = await store.append(sequentialStream, [tipPraised('hotseq', 'author1', n)], expected);
        expected = result.nextExpectedRevision;
        if (result.position <= lastPosition) positionsIncrease = false;
        lastPosition = result.position;
        return 1;
      },
    });
    counted += sequential.operations;
    const sequentialSpread = spread(sequential.latencies);
    checks.push({ label: 'sequential appends on one stream: positions strictly increase', ok: positionsIncrease });
    context.log(`  ${sequential.opsPerSecond} appends/s, p50 ${sequentialSpread.p50.toFixed(2)} ms`);
    // Each baseline is measured right beside the phase it is compared with: the machine's load drifts.
    const single1 = await baseline(context, { databaseUrl, connections: 1, batchSize: 1, durationMs: baselineMs });

    // (a2) RACERS appenders on one stream. Each expects the revision it last knew; a conflict tells it
    // the actual revision (WrongExpectedRevisionError.actual) and it tries again with that.
    context.log(`hot stream, ${RACERS} racing appenders for ${phaseMs} ms`);
    const hotStream = readerStream('hotrace');
    const created = await store.append(hotStream, [tipPraised('hotrace', 'author1', 0)], 'no_stream');
    counted += 1;
    const known: ExpectedRevision[] = Array.from({ length: RACERS }, () => created.nextExpectedRevision);
    let conflicts = 0;
    let raceErrors = 0;
    const racing = await timedLoop({
      workers: RACERS,
      durationMs: phaseMs,
      step: async (racer, n) => {
        try {
          const result = await store.append(hotStream, [tipPraised('hotrace', `author${racer}`, n)], known[racer]!);
          known[racer] = result.nextExpectedRevision;
          return 1;
        } catch (error) {
          if (!(error instanceof WrongExpectedRevisionError)) {
            raceErrors++;
            throw error;
          }
          conflicts++;
          known[racer] = typeof error.actual === 'number' ? error.actual : 'any';
          return 0;
        }
      },
    });
    counted += racing.operations;
    const attempts = racing.operations + conflicts;
    const conflictPct = attempts === 0 ? 0 : Math.round((conflicts / attempts) * 1000) / 10;
    const hotRevision = await revisionOf(store, hotStream);
    checks.push({
      label: 'racing appends on one stream: its revision is exactly the number of successes (none lost, none doubled)',
      ok: hotRevision === racing.operations && raceErrors === 0,
      detail: `revision ${hotRevision}, ${racing.operations} successful appends after the first, ${raceErrors} other errors`,
    });
    context.log(`  ${racing.opsPerSecond} successful appends/s, ${conflicts} conflicts (${conflictPct}% of attempts)`);

    // (b) APPENDERS appenders, each on streams of its own, one TipPraised per append. The streams are
    // created before the clock starts, so the timed appends all expect an exact revision.
    context.log(`many streams: ${APPENDERS} appenders x ${STREAMS_PER_APPENDER} streams for ${phaseMs} ms`);
    const streams = Array.from({ length: APPENDERS }, (_, a) =>
      Array.from({ length: STREAMS_PER_APPENDER }, (_, s) => ({ reader: `m${a}x${s}`, expected: -1 as number })),
    );
    for (const own of streams) {
      await Promise.all(
        own.map(async (stream, s) => {
          const result = await store.append(readerStream(stream.reader), [tipPraised(stream.reader, `author${s}`, 0)], 'no_stream');
          stream.expected = result.nextExpectedRevision;
        }),
      );
    }
    counted += APPENDERS * STREAMS_PER_APPENDER;
    let manyErrors = 0;
    const many = await timedLoop({
      workers: APPENDERS,
      durationMs: phaseMs,
      recordLatency: true,
      step: async (appender, n) => {
        const stream = streams[appender]![n % STREAMS_PER_APPENDER]!;
        try {
          const result = await store.append(readerStream(stream.reader), [tipPraised(stream.reader, `author${n % 50}`, n + 1)], stream.expected);
          stream.expected = result.nextExpectedRevision;
          return 1;
        } catch (error) {
          manyErrors++;
          throw error;
        }
      },
    });
    counted += many.operations;
    const manySpread = spread(many.latencies);
    checks.push({
      label: 'many streams: every append succeeded (no conflict: each stream has one writer)',
      ok: manyErrors === 0,
      detail: `${manyErrors} errors`,
    });
    context.log(`  ${many.opsPerSecond} appends/s, p50 ${manySpread.p50.toFixed(2)} ms, p99 ${manySpread.p99.toFixed(2)} ms`);
    const singlePool = await baseline(context, { databaseUrl, connections: POOL_SIZE, batchSize: 1, durationMs: baselineMs });
    const batched = await baseline(context, { databaseUrl, connections: BASELINE_BATCH_CONNECTIONS, batchSize: BASELINE_BATCH, durationMs: baselineMs });

    // (c) Read-then-append over RTA_STREAMS streams, as a command handler does it: read the stream
    // through the store's read API, append one event expecting the revision read, read again and
    // retry on a conflict. A fixed number of commands per phase on fresh streams (created with one
    // event before the clock), so both stores read streams of the same length. Zan here, Emmett in
    // its own process and database, raw single-row inserts on as many connections as writers.
    const rtaCommands = Math.max(1_000, Math.round(RTA_COMMANDS * context.scale));
    emmett = await startEmmett({ databaseUrl, poolSize: EMMETT_POOL_SIZE });
    const rta: { writers: number; zan: ReadThenAppendResult; emmett: ReadThenAppendResult; raw: PhysicalMeasure; floor: PhysicalMeasure }[] = [];
    for (const writers of RTA_WRITERS) {
      const streams = Array.from({ length: RTA_STREAMS }, (_, k) => readerStream(`rta${writers}w${k}`));
      await Promise.all(streams.map((stream, k) => store.append(stream, [tipPraised(`rta${writers}w${k}`, 'author0', 0)], 'no_stream')));
      counted += RTA_STREAMS;
      context.log(`read-then-append, ${RTA_STREAMS} streams, ${writers} writer(s), ${rtaCommands} commands: Zan`);
      const zan = await readThenAppend(
        {
          read: async (stream) => {
            let revision = -1;
            for (;;) {
              const page = await store.readStream(stream, { fromRevision: revision + 1, maxCount: READ_PAGE });
              if (page.length > 0) revision = page[page.length - 1]!.revision;
              if (page.length < READ_PAGE) return revision;
            }
          },
          append: async (stream, revision, n) => {
            try {
              await store.append(stream, [tipPraised(stream, `author${n % 50}`, n)], revision === -1 ? 'no_stream' : revision);
              return true;
            } catch (error) {
              if (error instanceof WrongExpectedRevisionError) return false;
              throw error;
            }
          },
        },
        { writers, commands: rtaCommands, streams },
      );
      counted += zan.appends;
      checks.push(await zanStreamsCheck(databaseUrl, iso.pgSchema, streams, writers, RTA_STREAMS + zan.appends));
      context.log(`  Zan: ${zan.appendsPerSecond} appends/s, ${zan.conflicts} conflicts`);
      context.log(`read-then-append, ${writers} writer(s): Emmett ${emmettVersion()}`);
      const emmettStreams = Array.from({ length: RTA_STREAMS }, (_, k) => `wallet-rta${writers}w${k}`);
      const peer = await emmett.readThenAppend({ writers, commands: rtaCommands, streams: emmettStreams });
      checks.push({
        label: `read-then-append, ${writers} writer(s), Emmett: its streams hold one event per success and positions 1..n (none lost, none doubled)`,
        ok: peer.check.rows === peer.check.expected && peer.check.outOfLine === 0,
        detail: `${peer.check.rows} rows, ${peer.check.expected} expected, ${peer.check.outOfLine} streams out of line`,
      });
      context.log(`  Emmett: ${peer.result.appendsPerSecond} appends/s, ${peer.result.conflicts} conflicts`);
      const raw = await baseline(context, { databaseUrl, connections: writers, batchSize: 1, durationMs: baselineMs });
      // The floor of the command's shape: the same commands as bare SQL (a SELECT and a single-row INSERT).
      const floor = await pgReadThenAppend({ databaseUrl, writers, commands: rtaCommands, streams: RTA_STREAMS });
      context.log(`  baseline: ${floor.label}: ${floor.value} events/s`);
      rta.push({ writers, zan, emmett: peer.result, raw, floor });
    }

    checks.push(...(await storedRowsCheck(databaseUrl, iso.pgSchema, counted)));

    const figures: Figure[] = [
      {
        key: 'append_hot_sequential_per_s',
        label: 'appends/s, one appender on one stream (1 event each)',
        value: sequential.opsPerSecond,
        unit: 'events/s',
        better: 'higher',
      },
      {
        key: 'append_hot_sequential_p50_ms',
        label: 'append latency p50, one appender on one stream',
        value: roundMs(sequentialSpread.p50),
        unit: 'ms',
        better: 'lower',
      },
      {
        key: 'append_hot_racing_per_s',
        label: `successful appends/s, ${RACERS} appenders racing on one stream`,
        value: racing.opsPerSecond,
        unit: 'events/s',
        better: 'higher',
      },
      { key: 'append_hot_conflict_pct', label: `attempts refused as conflicts, ${RACERS} racing appenders`, value: conflictPct, unit: '%', better: 'lower' },
      {
        key: 'append_many_per_s',
        label: `appends/s, ${APPENDERS} appenders on streams of their own (1 event each)`,
        value: many.opsPerSecond,
        unit: 'events/s',
        better: 'higher',
      },
      {
        key: 'append_many_p50_ms',
        label: `append latency p50, ${APPENDERS} appenders on many streams`,
        value: roundMs(manySpread.p50),
        unit: 'ms',
        better: 'lower',
      },
      {
        key: 'append_many_p99_ms',
        label: `append latency p99, ${APPENDERS} appenders on many streams`,
        value: roundMs(manySpread.p99),
        unit: 'ms',
        better: 'lower',
      },
      ...rta.map(({ writers, zan }): Figure => ({
        key: rtaKey(writers),
        label: `appends/s, read-then-append over ${RTA_STREAMS.toLocaleString('en-US')} streams, ${writers} writer${writers === 1 ? '' : 's'}`,
        value: zan.appendsPerSecond,
        unit: 'events/s',
        better: 'higher',
      })),
    ];
    const baselines: Baseline[] = [
      asBaseline(single1, 'append_hot_sequential_per_s'),
      asBaseline(single1, 'append_hot_racing_per_s'),
      asBaseline(singlePool, 'append_many_per_s'),
      asBaseline(batched, 'append_many_per_s'),
      ...rta.flatMap(({ writers, emmett: peer, raw, floor }): Baseline[] => [
        { ...asBaseline(raw, rtaKey(writers)), key: `rta_${raw.key}` },
        asBaseline(floor, rtaKey(writers)),
        {
          key: `emmett_rta_${writers}w`,
          label: `Emmett ${emmettVersion()} (PostgreSQL event store), the same read-then-append, ${writers} writer${writers === 1 ? '' : 's'}`,
          kind: 'peer',
          value: peer.appendsPerSecond,
          unit: 'events/s',
          compares: rtaKey(writers),
        },
      ]),
    ];

    const sample = tipPraised('user1', 'user2', 1);
    notes.push(
      `many streams: ${percentOf(many.opsPerSecond, singlePool.value)} of raw single-row inserts on ${POOL_SIZE} connections ` +
        `(one commit per event: what one transaction per append can at best reach), ${percentOf(many.opsPerSecond, batched.value)} of ` +
        `${BASELINE_BATCH}-row inserts (many events per commit: what batching appends into shared transactions can approach).`,
      `hot stream, one appender: ${percentOf(sequential.opsPerSecond, single1.value)} of raw single-row inserts on one connection; ` +
        `an append also checks and moves the stream's revision, and waits for its commit before the next one starts.`,
      `hot stream, ${RACERS} racing appenders: ${percentOf(racing.opsPerSecond, sequential.opsPerSecond)} of the lone appender's rate. ` +
        `A refused append retries at once with the revision the conflict reports (no stream read), so this is the store's figure, not a command handler's.`,
      ...rta.map(({ writers, zan, emmett: peer, raw }) => {
        const [z, e] = [spread(zan.latencies), spread(peer.latencies)];
        return (
          `read-then-append, ${writers} writer(s): Zan ${zan.appendsPerSecond}/s (${ratioText(zan.appendsPerSecond, raw.value)} raw single-row inserts on ` +
          `${writers} connection(s), ${ratioText(zan.appendsPerSecond, peer.appendsPerSecond)} Emmett); command p50/p99 Zan ` +
          `${z.p50.toFixed(2)}/${z.p99.toFixed(2)} ms, Emmett ${e.p50.toFixed(2)}/${e.p99.toFixed(2)} ms; conflicts retried: Zan ${zan.conflicts}, Emmett ${peer.conflicts}.`
        );
      }),
      `issue 22 (Appends: >= 1x raw single-row inserts at 8 and 32 writers, >= 2x Emmett at every concurrency): ` +
        rta
          .map(
            ({ writers, zan, emmett: peer, raw }) =>
              `${writers} writer(s): ${writers === 1 ? '' : `raw ${zan.appendsPerSecond >= raw.value ? 'met' : 'missed'}, `}` +
              `Emmett ${zan.appendsPerSecond >= 2 * peer.appendsPerSecond ? 'met' : 'missed'}`,
          )
          .join('; ') +
        '.',
      `the floor of those targets: the same commands as bare SQL (${rta.map(({ floor }) => floor.key).join(', ')}): ` +
        rta
          .map(
            ({ writers, emmett: peer, raw, floor }) =>
              `${writers} writer(s) ${floor.value}/s, ${ratioText(floor.value, raw.value)} raw single-row inserts and ${ratioText(floor.value, peer.appendsPerSecond)} Emmett` +
              ` (Zan ${ratioText(rta.find((phase) => phase.writers === writers)!.zan.appendsPerSecond, floor.value)} of it)`,
          )
          .join('; ') +
        '. Where the floor itself is under a target, no store that reads the stream and appends with optimistic concurrency meets it on this machine.',
      ...[single1, singlePool, batched, ...rta.flatMap((phase) => [phase.raw, phase.floor])].map((measure) => `${measure.key}: ${measure.detail}`),
    );
    if (context.scale < 1)
      notes.push(`quick run (scale ${context.scale}): phases of ${phaseMs} ms, baselines of ${baselineMs} ms; figures are indicative only.`);

    return {
      id: 'append',
      title: 'Event-store appends: one hot stream, many streams, read-then-append beside Emmett',
      setup:
        `PostgreSQL adapter (createPostgresEventStore), schema of its own, pool of ${POOL_SIZE} connections, ` +
        `synchronous_commit as the server has it. TipPraised events (${payloadBytes(sample)} B of data and metadata JSON), ` +
        `one per append, through EventStore.append with an exact expected revision. ` +
        `Hot stream: one appender for ${phaseMs / 1000} s; then ${RACERS} appenders racing on one stream for ${phaseMs / 1000} s. ` +
        `Many streams: ${APPENDERS} appenders, each over ${STREAMS_PER_APPENDER} streams of its own (created beforehand), ` +
        `closed loop for ${phaseMs / 1000} s. Baselines: raw INSERTs of the same rows into a copy of the events table, ` +
        `${baselineMs / 1000} s each, each measured right after the phase it is compared with. ` +
        `Read-then-append (the peer benchmark's shape): for 1, 8 and 32 writers, ${RTA_STREAMS.toLocaleString('en-US')} fresh streams of one event each, then ` +
        `${rtaCommands.toLocaleString('en-US')} commands shared by the writers (a fixed count, so both stores end with streams of the same length), each picking a ` +
        `stream at random, reading it whole through the store's read API (Zan: readStream pages of ${READ_PAGE} as the api's command path reads; ` +
        `Emmett: readStream), and appending one TipPraised expecting the revision read; a conflict is read again and retried, and counts once ` +
        `as a success when it goes in. Beside each: raw single-row inserts on as many connections; the floor of the shape, the same ` +
        `commands as bare SQL on as many connections (a SELECT of the stream's events, a single-row INSERT at the next revision, the ` +
        `unique (stream, revision) refusing a taken one); and Emmett ${emmettVersion()} ` +
        `(@event-driven-io/emmett-postgresql, its own schema and functions, in a database of its own and a process of its own, ` +
        `pool of ${EMMETT_POOL_SIZE}) doing the same commands on its own 1,000 streams.`,
      figures,
      baselines,
      checks,
      notes,
      latency: {
        label: `append, ${APPENDERS} appenders on many streams`,
        p50: roundMs(manySpread.p50),
        p99: roundMs(manySpread.p99),
        p999: roundMs(manySpread.p999),
      },
    };
  } finally {
    await emmett?.close();
    await store.close();
    const pg = new Client({ connectionString: databaseUrl });
    await pg.connect();
    await pg.query(`DROP SCHEMA IF EXISTS "${iso.pgSchema}" CASCADE`);
    await pg.end();
  }
};

const baseline = async (context: BenchContext, options: PgInsertOptions): Promise<PhysicalMeasure> => {
  const measure = await pgInserts(options);
  context.log(`  baseline: ${measure.label}: ${measure.value} events/s`);
  return measure;
};

const rtaKey = (writers: number): string => `append_rta_${writers}w_per_s`;

const ratioText = (value: number, of: number): string => (of > 0 ? `${(value / of).toFixed(2)}x` : 'n/a');

const percentOf = (value: number, of: number): string => (of > 0 ? `${Math.round((value / of) * 100)}%` : 'n/a');

const revisionOf = async (store: EventStore, streamId: string): Promise<number> => {
  const [last] = await store.readStream(streamId, { direction: 'backwards', maxCount: 1 });
  return last?.revision ?? -1;
};

/** A read-then-append phase's streams hold their first event and one per successful command, and the streams table agrees. */
const zanStreamsCheck = async (
  databaseUrl: string,
  schema: string,
  streams: string[],
  writers: number,
  expected: number,
): Promise<ScenarioResult['checks'][number]> => {
  const pg = new Client({ connectionString: databaseUrl });
  await pg.connect();
  try {
    const {
      rows: [found],
    } = await pg.query<{ rows: string; revisions: string }>(
      `SELECT (SELECT count(*) FROM "${schema}".events WHERE stream_id = ANY($1::text[]))::text AS rows,
              (SELECT coalesce(sum(revision + 1), 0) FROM "${schema}".streams WHERE stream_id = ANY($1::text[]))::text AS revisions`,
      [streams],
    );
    return {
      label: `read-then-append, ${writers} writer(s), Zan: its streams hold one event per success and their revisions add up (none lost, none doubled)`,
      ok: Number(found!.rows) === expected && Number(found!.revisions) === expected,
      detail: `${found!.rows} rows, revisions adding up to ${found!.revisions} events, ${expected} expected`,
    };
  } finally {
    await pg.end();
  }
};

/**
 * What the table holds must be what the appends reported: as many rows as successful appends, and
 * every stream's revisions 0..n-1 with the streams table agreeing.
 */
const storedRowsCheck = async (databaseUrl: string, schema: string, expectedRows: number): Promise<ScenarioResult['checks']> => {
  const pg = new Client({ connectionString: databaseUrl });
  await pg.connect();
  try {
    const {
      rows: [total],
    } = await pg.query<{ count: string }>(`SELECT count(*)::text AS count FROM "${schema}".events`);
    const {
      rows: [gaps],
    } = await pg.query<{ bad: string }>(
      `SELECT count(*)::text AS bad FROM (
         SELECT e.stream_id, count(*) AS n, min(e.revision) AS lo, max(e.revision) AS hi, s.revision AS head
         FROM "${schema}".events e JOIN "${schema}".streams s USING (stream_id)
         GROUP BY e.stream_id, s.revision) x
       WHERE x.lo <> 0 OR x.hi <> x.n - 1 OR x.head <> x.hi`,
    );
    return [
      {
        label: 'rows stored = successful appends reported',
        ok: Number(total!.count) === expectedRows,
        detail: `${total!.count} rows, ${expectedRows} reported`,
      },
      { label: 'every stream holds revisions 0..n-1, and the streams table agrees', ok: gaps!.bad === '0', detail: `${gaps!.bad} streams out of line` },
    ];
  } finally {
    await pg.end();
  }
};
