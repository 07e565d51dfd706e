/**
 * The floor's HTTP process (bench/floor.ts): a bare node:http server. Per POST it parses the JSON
 * body ({ readerId, authorId, amount }), stores the tip's two events (the reader's debit, the
 * author's credit) into an events table made by Zan's migration, in ONE statement (one transaction,
 * synchronous commit as the server is configured: on), and answers 201 with a small JSON body.
 *
 * Below what a payments engine may do, on purpose: no auth, no validation beyond JSON.parse, no
 * idempotency record, no balance check, no stream revision check (the revision is a counter of this
 * process, only to satisfy the table's unique key), no NOTIFY (the relay polls).
 *
 * FLOOR_GROUP=1: concurrent tips go together, one multi-row INSERT per group (at most 500 tips, two
 * groups in flight), as Zan's group commit does; a tip is answered when its group has committed.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Pool } from 'pg';
import { serve } from './serve';

const schema = process.env.FLOOR_SCHEMA!;
const grouped = process.env.FLOOR_GROUP === '1';
const pool = new Pool({ connectionString: process.env.FLOOR_DATABASE_URL, max: Number(process.env.FLOOR_POOL ?? 20), application_name: 'zan-floor-http' });
pool.on('error', () => undefined); // an idle client's error; the next query reports it

interface Tip {
  readerId: string;
  authorId: string;
  amount: number;
}

const insert = {
  name: 'floor-insert',
  text: `INSERT INTO "${schema}".events (tx_index, id, stream_id, revision, type, version, data, metadata, occurred_at)
         SELECT u.ord::int - 1, u.id, u.stream_id, u.revision, u.type, 1, u.data, '{}'::jsonb, now()
         FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::text[], $5::jsonb[]) WITH ORDINALITY AS u(id, stream_id, revision, type, data, ord)`,
};

let revision = 0;

/** One INSERT for the debits and credits of `tips`, in this order: debit, credit, debit, credit... */
const store = async (tips: Tip[]): Promise<string[]> => {
  const ids: string[] = [],
    streams: string[] = [],
    revisions: number[] = [],
    types: string[] = [],
    data: string[] = [];
  const tipIds: string[] = [];
  for (const tip of tips) {
    const tipId = randomUUID();
    tipIds.push(tipId);
    const body = JSON.stringify({ tipId, readerId: tip.readerId, authorId: tip.authorId, amount: tip.amount });
    ids.push(randomUUID(), randomUUID());
    streams.push(`wallet-${tip.readerId}`, `wallet-${tip.authorId}`);
    revisions.push(++revision, ++revision);
    types.push('TipPraised', 'TipReceived');
    data.push(body, body);
  }
  await pool.query({ ...insert, values: [ids, streams, revisions, types, data] });
  return tipIds;
};

interface Waiting {
  tip: Tip;
  done: (error: unknown, tipId?: string) => void;
}
const waiting: Waiting[] = [];
let inFlight = 0;

/** Takes what waits into a group while fewer than two groups commit; no delay is added. */
const flush = (): void => {
  while (inFlight < 2 && waiting.length > 0) {
    const group = waiting.splice(0, 500);
    inFlight++;
    store(group.map((w) => w.tip))
      .then(
        (tipIds) => group.forEach((w, i) => w.done(undefined, tipIds[i])),
        (error: unknown) => group.forEach((w) => w.done(error)),
      )
      .finally(() => {
        inFlight--;
        flush(); // what arrived while this group committed
      });
  }
};

const storeOne = (tip: Tip): Promise<string> =>
  grouped
    ? new Promise((resolve, reject) => {
        waiting.push({
          tip,
          done: (error, tipId) => {
            if (error) reject(error instanceof Error ? error : new Error('the group failed'));
            else resolve(tipId!);
          },
        });
        flush();
      })
    : store([tip]).then((ids) => ids[0]!);

const answer = (response: ServerResponse, status: number, body: string): void => {
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  response.end(body);
};

const handle = (request: IncomingMessage, response: ServerResponse): void => {
  if (request.method !== 'POST') return answer(response, 404, '{"error":"not found"}');
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    let tip: Tip;
    try {
      tip = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Tip;
    } catch {
      return answer(response, 400, '{"error":"invalid JSON"}');
    }
    storeOne(tip).then(
      (tipId) => answer(response, 201, `{"tipId":"${tipId}"}`),
      (error: unknown) => answer(response, 500, JSON.stringify({ error: String(error) })),
    );
  });
};

serve(handle, pool);
