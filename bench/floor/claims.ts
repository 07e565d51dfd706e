/**
 * The claim floor's HTTP process (bench/floor.ts, mode `claims`): a bare node:http server doing the
 * least a claim on one hot red packet needs. Per `POST /v1/red-packets/<id>/claims` it verifies the
 * bearer token as Zan's auth does (HS256, time claims; Zan's own verifyBearerToken, no cache: every
 * claimer has a token of its own), requires an Idempotency-Key, and decides on the packet held in
 * memory: while shares are left, it draws one (Zan's drawShare) and the claim waits for its event to
 * be stored; once the packet is empty, it answers 410 red-packet-gone from memory at once. Winners'
 * RedPacketClaimed events go to an events table made by Zan's migration, concurrent ones in one
 * INSERT (one transaction, synchronous commit as the server is configured: on), as Zan group-commits.
 *
 * FLOOR_CLAIM_RECORDS=1: every answer also stores an idempotency record (scope, key, request hash,
 * answer) in a table like Zan's, a winner's in its events' statement and refusals together in one
 * INSERT per group (synchronous commit): what Zan's contract (a key reused for another request is a
 * 409) makes every refusal cost at least.
 *
 * FLOOR_CLAIM_OPERABLE=1 (with records): every request also gets what Zan's processes give each
 * one, with Zan's own code and no framework: helmet's security headers (worked out once, as the api sets them: helmetHeaders), the request and
 * correlation ids echoed (requestIdOf), the request's log store and closing line (requestLogging, at
 * `warn`, where the line is dropped as in production) and its count and duration (ZanMetrics).
 *
 * FLOOR_ORDERS=1 (with records and operability): the flash sale's floor instead, `POST /v1/orders`
 * with a JSON body (productId, quantity, expectedPrice) read as Zan's parser reads it (parseJsonBody:
 * depth, ambiguity, UTF-8, an object), its fields checked by the order's up-front refusal (isOrderBody:
 * as PlaceOrderBody checks them), the request hash over its canonical body, and the product's stock
 * held in memory: the winners' ProductStockReserved group-committed with their records, the rest
 * answered 410 sold-out with theirs.
 * No wallet is debited (Zan debits the buyer's and credits the merchant's after the reservation).
 *
 * Below what Zan does, on purpose: no replay or mismatch check of a key, no stream revision check,
 * no claimer-already-claimed check across restarts, no framework.
 */
import { createHash, createSecretKey, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Pool } from 'pg';
import { drawShare } from '@zan/domain';
import { verifyBearerToken } from '../../apps/api/src/auth/bearer-token';
import { parseJsonBody } from '../../apps/api/src/http/json-body';
import { canonical } from '../../apps/api/src/idempotency/idempotency.interceptor';
import { isOrderBody } from '../../apps/api/src/orders/place-order/place-order.refusal';
import { operable, serve } from './serve';

const schema = process.env.FLOOR_SCHEMA!;
const records = process.env.FLOOR_CLAIM_RECORDS === '1';
const operated = process.env.FLOOR_CLAIM_OPERABLE === '1';
const orders = process.env.FLOOR_ORDERS === '1';
const key = createSecretKey(Buffer.from(process.env.FLOOR_JWT_SECRET!));
const rules = { maxLifetimeSeconds: 86_400, clockSkewSeconds: 5 };
const pool = new Pool({ connectionString: process.env.FLOOR_DATABASE_URL, max: 20, application_name: 'zan-floor-claims' });
pool.on('error', () => undefined); // an idle client's error; the next query reports it

interface Packet {
  id: string;
  remainingAmount: number;
  remainingShares: number;
  mode: 'lucky';
  claims: Set<string>;
  revision: number;
}
/** FLOOR_PACKETS: `<id>:<amount>:<shares>,...` (a warm-up packet, then the hot one). */
const packets = new Map<string, Packet>(
  (process.env.FLOOR_PACKETS ?? '')
    .split(',')
    .filter(Boolean)
    .map((spec) => {
      const [id, amount, shares] = spec.split(':') as [string, string, string];
      return [id, { id, remainingAmount: Number(amount), remainingShares: Number(shares), mode: 'lucky', claims: new Set(), revision: -1 }];
    }),
);
/** FLOOR_PRODUCTS (FLOOR_ORDERS=1): `<id>:<stock>:<price>,...` (a warm-up product, then the hot one). */
const products = new Map<string, { id: string; stock: number; price: number; revision: number }>();
for (const spec of (process.env.FLOOR_PRODUCTS ?? '').split(',').filter(Boolean)) {
  const [id, stock, price] = spec.split(':') as [string, string, string];
  products.set(id, { id, stock: Number(stock), price: Number(price), revision: -1 });
}
const SOLD_OUT = JSON.stringify({ type: 'https://zan.dev/problems/sold-out', title: 'Sold out', status: 410 });
const PATH = /^\/v1\/red-packets\/([0-9a-f-]{36})\/claims$/;
const GONE = JSON.stringify({ type: 'https://zan.dev/problems/red-packet-gone', title: 'Red packet is gone', status: 410 });

interface Write {
  /** The stream and type of the winner's event. */
  stream: string;
  type: string;
  data?: string;
  userId: string;
  key: string;
  hash: string;
  /** The winner's share, or undefined for a refusal. */
  amount?: number;
  revision?: number;
  answer: string;
  done: (error?: unknown) => void;
}

const insertWinners = `INSERT INTO "${schema}".events (tx_index, id, stream_id, revision, type, version, data, metadata, occurred_at)
  SELECT u.ord::int - 1, u.id, u.stream_id, u.revision, u.type, 1, u.data, '{}'::jsonb, now()
  FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::jsonb[], $5::text[]) WITH ORDINALITY AS u(id, stream_id, revision, data, type, ord)`;
const insertRecords = `INSERT INTO "${schema}".floor_idempotency (scope, key, request_hash, response)
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])`;

/** One statement per group: the winners' events (and, with records, every answer's record). */
const store = async (group: Write[]): Promise<void> => {
  const winners = group.filter((write) => write.amount !== undefined);
  const events = [
    winners.map(() => randomUUID()),
    winners.map((write) => write.stream),
    winners.map((write) => write.revision!),
    winners.map((write) => write.data!),
    winners.map((write) => write.type),
  ];
  if (!records) return void (await pool.query(insertWinners, events));
  const recordValues = [group.map((w) => w.userId), group.map((w) => w.key), group.map((w) => w.hash), group.map((w) => w.answer)];
  if (winners.length === 0) return void (await pool.query(insertRecords, recordValues));
  await pool.query(`WITH events AS (${insertWinners} RETURNING 1) ${insertRecords.replace(/\$([1-4])\b/g, (_, n: string) => `$${Number(n) + 5}`)}`, [
    ...events,
    ...recordValues,
  ]);
};

const waiting: Write[] = [];
let inFlight = 0;

/** Takes what waits into a group while fewer than two groups commit; no delay is added. */
const flush = (): void => {
  while (inFlight < 2 && waiting.length > 0) {
    const group = waiting.splice(0, 500);
    inFlight++;
    store(group)
      .then(
        () => group.forEach((write) => write.done()),
        (error: unknown) => group.forEach((write) => write.done(error)),
      )
      .finally(() => {
        inFlight--;
        flush();
      });
  }
};

const stored = (write: Omit<Write, 'done'>): Promise<void> =>
  new Promise((resolve, reject) => {
    waiting.push({ ...write, done: (error) => (error ? reject(error instanceof Error ? error : new Error('the group failed')) : resolve()) });
    flush();
  });

const answer = (response: ServerResponse, status: number, body: string, type = 'application/json'): void => {
  response.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  response.end(body);
};

/** Answers once the write and its record are stored (in the next group); a 500 when the group failed. */
const answerWhenStored = (response: ServerResponse, write: Omit<Write, 'done'>, status: number, type?: string): void =>
  void stored(write).then(
    () => answer(response, status, write.answer, type),
    (error: unknown) => answer(response, 500, JSON.stringify({ error: String(error) })),
  );

const claim = (packet: Packet, userId: string, idempotencyKey: string, path: string, response: ServerResponse): void => {
  const hash = records ? createHash('sha256').update(`POST\n${path}\nnull`).digest('hex') : '';
  const write = { stream: `red-packet-${packet.id}`, type: 'RedPacketClaimed', userId, key: idempotencyKey, hash };
  if (packet.remainingShares === 0 || packet.claims.has(userId)) {
    if (!records) return answer(response, 410, GONE, 'application/problem+json');
    return answerWhenStored(response, { ...write, answer: GONE }, 410, 'application/problem+json');
  }
  const amount = drawShare(packet, Math.random);
  packet.remainingAmount -= amount;
  packet.remainingShares -= 1;
  packet.claims.add(userId);
  const body = `{"redPacketId":"${packet.id}","amount":${amount}}`;
  const data = JSON.stringify({ redPacketId: packet.id, userId, amount });
  answerWhenStored(response, { ...write, data, amount, revision: ++packet.revision, answer: body }, 201);
};

const order = (userId: string, idempotencyKey: string, request: IncomingMessage, raw: Buffer, response: ServerResponse): void => {
  let body: unknown;
  try {
    body = parseJsonBody({ headers: request.headers } as never, raw);
  } catch {
    return answer(response, 400, '{"error":"not JSON"}');
  }
  if (!isOrderBody(body)) return answer(response, 400, '{"error":"validation"}');
  const product = products.get(body.productId);
  if (!product) return answer(response, 404, '{"error":"product not found"}');
  const hash = createHash('sha256')
    .update(`POST\n/v1/orders\n${canonical(body)}`)
    .digest('hex');
  const write = { stream: `product-${product.id}`, type: 'ProductStockReserved', userId, key: idempotencyKey, hash };
  if (product.stock < body.quantity || product.price !== body.expectedPrice) {
    return answerWhenStored(response, { ...write, answer: SOLD_OUT }, 410, 'application/problem+json');
  }
  product.stock -= body.quantity;
  const orderId = randomUUID();
  const amount = product.price * body.quantity;
  const data = JSON.stringify({ productId: product.id, orderId, buyerId: userId, quantity: body.quantity, amount, stockLeft: product.stock });
  const answered = `{"orderId":"${orderId}","amount":${amount},"status":"paid"}`;
  answerWhenStored(response, { ...write, data, amount, revision: ++product.revision, answer: answered }, 201);
};

const handle = (request: IncomingMessage, response: ServerResponse): void => {
  const match = request.method === 'POST' ? PATH.exec(request.url ?? '') : null;
  const packet = match ? packets.get(match[1]!) : undefined;
  const ordering = orders && request.method === 'POST' && request.url === '/v1/orders';
  if (!packet && !ordering) return answer(response, 404, '{"error":"not found"}');
  const bearer = /^Bearer ([\x21-\x7e]+)$/i.exec(request.headers.authorization ?? '');
  let userId: string;
  try {
    const claims = verifyBearerToken(bearer?.[1] ?? '', key, rules, Date.now());
    if (typeof claims.sub !== 'string') throw new Error('no sub');
    userId = claims.sub;
  } catch {
    return answer(response, 401, '{"error":"unauthorized"}');
  }
  const idempotencyKey = request.headers['idempotency-key'];
  if (typeof idempotencyKey !== 'string') return answer(response, 400, '{"error":"Idempotency-Key required"}');
  if (ordering) {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => order(userId, idempotencyKey, request, Buffer.concat(chunks), response));
    return;
  }
  // A claim has no body; whatever comes is read and dropped before answering.
  request.resume();
  request.on('end', () => claim(packet!, userId, idempotencyKey, request.url!, response));
};

serve(operated ? operable(orders ? '/v1/orders' : '/v1/red-packets/:id/claims', handle) : handle, pool);
