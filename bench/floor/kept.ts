/**
 * The kept floor's HTTP process (bench/floor.ts, mode `kept`): the tip of bench/floor/http.ts with
 * group commit, keeping with no framework the promises Zan keeps for a tip (bench/floor/kept-tips.ts),
 * on a bare node:http server that does by hand, with Zan's own code where Zan has it, what Zan's
 * framework does around the command:
 * - the bearer token verified as the api verifies it (BearerTokenVerifier); the reader is its subject;
 * - an Idempotency-Key required (Zan's pattern);
 * - the body read as Zan reads it (parseJsonBody: size, depth, ambiguity, an object) and checked as
 *   TipBody checks it (ids by ID_PATTERN, a whole number of fen, no unknown field);
 * - Zan's per-request operability (serve.ts: security headers, request ids, log store, metrics).
 * bench/floor/kept-nest.ts serves the same tip behind NestJS instead.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseJsonBody } from '../../apps/api/src/http/json-body';
import { ID_PATTERN } from '../../apps/api/src/http/validation';
import { KEY_PATTERN, keptTip, pool, problem, tokens, type KeptAnswer, type KeptTipBody } from './kept-tips';
import { operable, serve } from './serve';

const answer = (response: ServerResponse, { status, body, problem: isProblem }: KeptAnswer): void => {
  response.writeHead(status, { 'content-type': isProblem ? 'application/problem+json' : 'application/json', 'content-length': Buffer.byteLength(body) });
  response.end(body);
};

const refused = (response: ServerResponse, type: string, status: number): void => answer(response, { status, body: problem(type, status), problem: true });

/** The body checked as TipBody checks it: undefined when it is not a tip. */
const tipBody = (request: IncomingMessage, raw: Buffer): KeptTipBody | undefined => {
  let body: unknown;
  try {
    body = parseJsonBody({ headers: request.headers } as never, raw);
  } catch {
    return undefined;
  }
  const { authorId, articleId, amount, ...rest } = body as Record<string, unknown>;
  const valid =
    Object.keys(rest).every((field) => field === 'message') &&
    typeof authorId === 'string' &&
    ID_PATTERN.test(authorId) &&
    typeof articleId === 'string' &&
    ID_PATTERN.test(articleId) &&
    typeof amount === 'number' &&
    Number.isSafeInteger(amount);
  return valid ? (body as KeptTipBody) : undefined;
};

const handle = (request: IncomingMessage, response: ServerResponse): void => {
  if (request.method !== 'POST' || request.url !== '/v1/tips') return refused(response, 'not-found', 404);
  const bearer = /^Bearer ([\x21-\x7e]+)$/i.exec(request.headers.authorization ?? '');
  let readerId: string;
  try {
    const claims = tokens.verify(bearer?.[1] ?? '', Date.now());
    if (typeof claims.sub !== 'string') throw new Error('no sub');
    readerId = claims.sub;
  } catch {
    return refused(response, 'unauthorized', 401);
  }
  const idempotencyKey = request.headers['idempotency-key'];
  if (typeof idempotencyKey !== 'string' || !KEY_PATTERN.test(idempotencyKey)) return refused(response, 'idempotency-key-required', 400);
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const body = tipBody(request, Buffer.concat(chunks));
    if (!body) return refused(response, 'invalid-request', 400);
    keptTip(readerId, idempotencyKey, body, response.getHeader('x-request-id')).then(
      (answered) => answer(response, answered),
      () => refused(response, 'internal', 500),
    );
  });
};

serve(operable('/v1/tips', handle), pool);
