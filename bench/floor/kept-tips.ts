/**
 * The kept floor's tip, without its transport (bench/floor/kept.ts serves it on a bare node:http
 * server, bench/floor/kept-nest.ts behind NestJS): what is kept for a tip once the caller is known
 * and the body is read and checked, each with Zan's own code where Zan has it:
 * - the request hashed over its canonical body, a key reused while its first request is unanswered
 *   or for another request refused (409), and each answer's record stored in the same statement as
 *   the tip's events (synchronous commit);
 * - the tip's range (500-20,000 fen) and no tip to oneself;
 * - the balance check on the reader's wallet, folded from its stream on first use and held in memory
 *   (this one process is each stream's only writer, so every decision is on the latest state), and
 *   each event stored at its stream's next revision: the store's unique (stream, revision) refuses
 *   any other;
 * - the credit with the debit: TipPraised on the reader's stream and TipReceived on the author's in
 *   one transaction, so the credit happens exactly once by construction (Zan makes it a second
 *   command of a process manager, keyed by its cause).
 *
 * Still below Zan, so a floor: no articles (Zan checks the article is published and counts its
 * praise), no tiers' limits, no replicas (Zan's record lets another replica's twin wait; here one
 * process holds keys in memory and a key used before a restart fails its group with a 500 instead of
 * replaying), no NOTIFY (the relay polls), no position in the answer.
 */
import { createHash, createSecretKey, randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { BearerTokenVerifier } from '../../apps/api/src/auth/bearer-token';
import { canonical } from '../../apps/api/src/idempotency/idempotency.interceptor';

const schema = process.env.FLOOR_SCHEMA!;
/** The bearer tokens, verified as the api verifies them (HS256, time claims, the signature checked once per token). */
export const tokens = new BearerTokenVerifier(createSecretKey(Buffer.from(process.env.FLOOR_JWT_SECRET!)), {
  maxLifetimeSeconds: 86_400,
  clockSkewSeconds: 5,
});
export const pool = new Pool({ connectionString: process.env.FLOOR_DATABASE_URL, max: 20, application_name: 'zan-floor-kept' });
pool.on('error', () => undefined); // an idle client's error; the next query reports it

/** Zan's Idempotency-Key pattern. */
export const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
const TIP_RANGE = { min: 500, max: 20_000 };
export const problem = (type: string, status: number) => JSON.stringify({ type: `https://zan.dev/problems/${type}`, status });

/** A tip's body once checked as TipBody checks it. */
export interface KeptTipBody {
  authorId: string;
  articleId: string;
  amount: number;
  message?: string;
}

/** A tip's answer: its status, its body as sent, and whether it is a problem. */
export interface KeptAnswer {
  status: number;
  body: string;
  problem: boolean;
}

interface Wallet {
  balance: number;
  revision: number;
}
/** Each wallet's state, folded from its stream on first use; dropped when a group fails (the store may be behind it). */
const wallets = new Map<string, Promise<Wallet>>();
const readWallet = {
  name: 'kept-read-wallet',
  text: `SELECT revision::int, type, (data->>'amount')::bigint AS amount FROM "${schema}".events WHERE stream_id = $1 ORDER BY revision`,
};
const walletOf = (userId: string): Promise<Wallet> => {
  let wallet = wallets.get(userId);
  if (!wallet) {
    wallet = pool.query<{ revision: number; type: string; amount: string }>({ ...readWallet, values: [`wallet-${userId}`] }).then(({ rows }) =>
      rows.reduce((state, row) => ({ balance: state.balance + (row.type === 'TipPraised' ? -1 : 1) * Number(row.amount), revision: row.revision }), {
        balance: 0,
        revision: -1,
      }),
    );
    wallets.set(userId, wallet);
    wallet.catch(() => wallets.delete(userId));
  }
  return wallet;
};

interface Write {
  events: { stream: string; revision: number; type: string; data: string; metadata: string }[];
  record: { scope: string; key: string; hash: string; answer: string };
  /** The wallets this write's decision moved, forgotten if its group fails. */
  moved: string[];
  done: (error?: unknown) => void;
}

const insert = `WITH events AS (
    INSERT INTO "${schema}".events (tx_index, id, stream_id, revision, type, version, data, metadata, occurred_at)
    SELECT u.ord::int - 1, u.id, u.stream_id, u.revision, u.type, 1, u.data, u.metadata, now()
    FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::text[], $5::jsonb[], $6::jsonb[]) WITH ORDINALITY AS u(id, stream_id, revision, type, data, metadata, ord)
    RETURNING 1)
  INSERT INTO "${schema}".floor_idempotency (scope, key, request_hash, response)
  SELECT * FROM unnest($7::text[], $8::text[], $9::text[], $10::text[])`;

/** One statement per group: every write's events and every answer's record, one transaction. */
const store = async (group: Write[]): Promise<void> => {
  const events = group.flatMap((write) => write.events);
  await pool.query(insert, [
    events.map(() => randomUUID()),
    events.map((event) => event.stream),
    events.map((event) => event.revision),
    events.map((event) => event.type),
    events.map((event) => event.data),
    events.map((event) => event.metadata),
    group.map((write) => write.record.scope),
    group.map((write) => write.record.key),
    group.map((write) => write.record.hash),
    group.map((write) => write.record.answer),
  ]);
};

const waiting: Write[] = [];
let inFlight = 0;
/** Streams with events in a group not yet committed: their next events wait for it (see flush). */
const committing = new Set<string>();

/**
 * Takes what waits into a group while fewer than two groups commit; no delay is added (as http.ts).
 * A write with a stream in a group still committing waits for the next group, and so does every later
 * write of its streams: two groups commit concurrently and either may get the older transaction id,
 * so a stream's events must not be split across them, or a later revision could get the earlier
 * position (readers take events in position order and drop a revision at or below the last applied).
 */
const flush = (): void => {
  while (inFlight < 2 && waiting.length > 0) {
    const group: Write[] = [];
    const held = new Set(committing);
    const left: Write[] = [];
    for (const write of waiting) {
      const streams = write.events.map((event) => event.stream);
      if (group.length < 500 && !streams.some((stream) => held.has(stream))) group.push(write);
      else {
        left.push(write);
        streams.forEach((stream) => held.add(stream));
      }
    }
    if (group.length === 0) return;
    waiting.splice(0, waiting.length, ...left);
    const streams = group.flatMap((write) => write.events.map((event) => event.stream));
    streams.forEach((stream) => committing.add(stream));
    inFlight++;
    store(group)
      .then(
        () => group.forEach((write) => write.done()),
        (error: unknown) => {
          for (const write of group) write.moved.forEach((userId) => wallets.delete(userId));
          group.forEach((write) => write.done(error));
        },
      )
      .finally(() => {
        streams.forEach((stream) => committing.delete(stream));
        inFlight--;
        flush();
      });
  }
};

/** Keys this process has taken, with their request's hash: a twin or another request under one key is a 409. */
const keys = new Map<string, string>();

/** The write's answer once its group has committed (a 500 if the group failed). */
const whenStored = (write: Omit<Write, 'done'>, status: number, isProblem: boolean): Promise<KeptAnswer> =>
  new Promise((resolve) => {
    waiting.push({
      ...write,
      done: (error) =>
        resolve(error ? { status: 500, body: problem('internal', 500), problem: true } : { status, body: write.record.answer, problem: isProblem }),
    });
    flush();
  });

/** A tip of `readerId` under `idempotencyKey` (checked), with its body read and checked; `requestId` goes in the metadata. */
export const keptTip = async (readerId: string, idempotencyKey: string, body: KeptTipBody, requestId: unknown): Promise<KeptAnswer> => {
  const { authorId, articleId, amount } = body;
  const hash = createHash('sha256')
    .update(`POST\n/v1/tips\n${canonical(body)}`)
    .digest('hex');
  const scoped = `${readerId}\n${idempotencyKey}`;
  if (keys.has(scoped)) return { status: 409, body: problem(keys.get(scoped) === hash ? 'request-in-progress' : 'idempotency-key-reused', 409), problem: true };
  keys.set(scoped, hash);
  const record = { scope: readerId, key: idempotencyKey, hash };
  const refuse = (type: string, status: number) => whenStored({ events: [], moved: [], record: { ...record, answer: problem(type, status) } }, status, true);
  if (amount < TIP_RANGE.min || amount > TIP_RANGE.max) return refuse('amount-out-of-range', 422);
  if (authorId === readerId) return refuse('self-tip', 422);
  const [reader, author] = await Promise.all([walletOf(readerId), walletOf(authorId)]);
  // From here to the push, nothing awaits: the decision is on the latest state, and it moves it.
  if (reader.balance < amount) return refuse('insufficient-funds', 422);
  reader.balance -= amount;
  author.balance += amount;
  const tipId = randomUUID();
  const data = JSON.stringify({ tipId, readerId, authorId, articleId, amount });
  const metadata = JSON.stringify({ userId: readerId, commandId: idempotencyKey, requestId: requestId ?? null });
  return whenStored(
    {
      events: [
        { stream: `wallet-${readerId}`, revision: ++reader.revision, type: 'TipPraised', data, metadata },
        { stream: `wallet-${authorId}`, revision: ++author.revision, type: 'TipReceived', data, metadata },
      ],
      moved: [readerId, authorId],
      record: { ...record, answer: `{"tipId":"${tipId}","balance":${reader.balance}}` },
    },
    201,
    false,
  );
};
