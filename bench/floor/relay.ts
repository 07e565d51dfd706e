/**
 * The floor's relay (bench/floor.ts): reads the events table in position order (transaction id, index
 * in it; only transactions older than every one in flight, as Zan's store reads, so a slow commit is
 * read late, never skipped), produces each event to Kafka with kafkajs (acks=-1, one batch of what it
 * read, keyed by stream), then saves its position (synchronous_commit off, as Zan's checkpoints).
 * Polls: at once after a full page, 5 ms after a short one (Zan's relay is woken by NOTIFY instead).
 *
 * FLOOR_KEPT=1 (mode `kept`): each message as a subscriber's contract wants it, CloudEvents in binary
 * mode as Zan's relay sends them: the event's data as the value, and its id, type, source, subject
 * (the stream), sequence (the stream revision, what consumers dedupe on) and time as ce_ headers.
 */
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { Client } from 'pg';

const schema = process.env.FLOOR_SCHEMA!;
const topic = process.env.FLOOR_TOPIC!;
const PAGE = 500;
const kept = process.env.FLOOR_KEPT === '1';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Row {
  transaction_id: string;
  tx_index: number;
  id: string;
  stream_id: string;
  revision: string;
  type: string;
  data: string;
  occurred_at: string;
}

const messageOf = (row: Row) =>
  kept
    ? {
        key: row.stream_id,
        value: row.data,
        headers: {
          ce_specversion: '1.0',
          ce_id: row.id,
          ce_type: row.type,
          ce_source: 'zan',
          ce_subject: row.stream_id,
          ce_sequence: row.revision,
          ce_time: row.occurred_at,
          'content-type': 'application/json',
        },
      }
    : { key: row.stream_id, value: `{"type":"${row.type}","data":${row.data}}` };

async function main(): Promise<void> {
  const pg = new Client({ connectionString: process.env.FLOOR_DATABASE_URL, application_name: 'zan-floor-relay' });
  await pg.connect();
  await pg.query('SET synchronous_commit = off');
  const kafka = new Kafka({ clientId: 'zan-floor-relay', brokers: process.env.FLOOR_KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING });
  // Zan's relay producer settings: no idempotence, one request in flight, murmur2 on the key.
  const producer = kafka.producer({
    idempotent: false,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  const read = {
    name: 'floor-read',
    text: `SELECT e.transaction_id::text AS transaction_id, e.tx_index, e.id::text AS id, e.stream_id, e.revision::text AS revision, e.type, e.data::text AS data,
                  ${kept ? `to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')` : `''`} AS occurred_at FROM "${schema}".events e
           WHERE (e.transaction_id, e.tx_index) > ($1::text::xid8, $2::int) AND e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
           ORDER BY e.transaction_id, e.tx_index LIMIT ${PAGE}`,
  };
  const save = {
    name: 'floor-save',
    text: `INSERT INTO "${schema}".checkpoints (name, position) VALUES ('floor-relay', $1::text::numeric)
           ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position, updated_at = now()`,
  };
  let stopping = false;
  process.on('SIGTERM', () => (stopping = true));
  let at = { transactionId: '0', txIndex: -1 };
  console.log('relay running');
  while (!stopping) {
    const { rows } = await pg.query<Row>({ ...read, values: [at.transactionId, at.txIndex] });
    if (rows.length > 0) {
      await producer.send({
        topic,
        acks: -1,
        messages: rows.map(messageOf),
      });
      const last = rows[rows.length - 1]!;
      at = { transactionId: last.transaction_id, txIndex: last.tx_index };
      await pg.query({ ...save, values: [(BigInt(last.transaction_id) * 100_000n + BigInt(last.tx_index)).toString()] });
    }
    if (rows.length < PAGE) await sleep(5);
  }
  await producer.disconnect();
  await pg.end();
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
