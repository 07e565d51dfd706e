import type { IncomingMessage } from 'node:http';
import type { FastifyRequest } from 'fastify';
import { refuseAmbiguousJson } from './json-ambiguity';
import { refuseDeepJson } from './json-depth';
import { ProblemException, httpProblem } from './problem';
import { hasBody, unsupportedMediaType } from './request-headers';

/** A request whose body was read as JSON keeps its bytes: a signed callback's HMAC is over them. */
export type WithRawBody = { rawBody?: Buffer };

const notJson = (detail: string) => new ProblemException(httpProblem('bad-request', detail));

/** The charset parameter of a Content-Type, lower-cased; undefined when none is given. */
const charsetOf = (contentType: string | undefined): string | undefined => {
  const match = /;\s*charset\s*=\s*"?([^";\s]*)"?/i.exec(contentType ?? '');
  return match ? match[1]!.toLowerCase() : undefined;
};

/** The first byte that is not JSON whitespace, or -1. */
const firstSignificant = (raw: Buffer): number => {
  for (const byte of raw) if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d) return byte;
  return -1;
};

/**
 * A request body as the api reads it: UTF-8 JSON, an object or an array at its top (a bare string or
 * number is a 400), nested at most MAX_JSON_DEPTH deep, and nothing JSON.parse would read otherwise
 * than sent (a key twice, a fraction where an integer of fen goes: json-ambiguity). An empty body is
 * `{}`, as for a claim sent with a Content-Type and nothing after it.
 */
export const parseJsonBody = (request: FastifyRequest & WithRawBody, raw: Buffer): unknown => {
  const charset = charsetOf(request.headers['content-type']);
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw unsupportedMediaType(`unsupported charset "${charset.slice(0, 40).toUpperCase()}": request bodies are UTF-8 JSON`);
  }
  request.rawBody = raw;
  // A byte order mark is no part of the JSON (body-parser dropped it too).
  if (raw[0] === 0xef && raw[1] === 0xbb && raw[2] === 0xbf) raw = raw.subarray(3);
  if (raw.length === 0) return {};
  refuseDeepJson(raw);
  const text = refuseAmbiguousJson(raw);
  const first = firstSignificant(raw);
  if (first !== 0x7b && first !== 0x5b) throw notJson('the request body must be a JSON object');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw notJson(`the request body is not valid JSON: ${(error as Error).message}`);
  }
};

const tooLarge = (limit: number) => new ProblemException(httpProblem('payload-too-large', `request bodies are at most ${limit / 1024} KB`));

/** The body of a request Fastify does not read itself, up to `limit` bytes (a 413 past it). */
const readBody = (raw: IncomingMessage, limit: number): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    if (Number(raw.headers['content-length'] ?? 0) > limit) return reject(tooLarge(limit));
    const chunks: Buffer[] = [];
    let length = 0;
    const onData = (chunk: Buffer) => {
      length += chunk.length;
      if (length <= limit) return void chunks.push(chunk);
      raw.off('data', onData);
      reject(tooLarge(limit));
    };
    raw.on('data', onData);
    raw.once('end', () => resolve(Buffer.concat(chunks)));
    raw.once('error', reject);
  });

/**
 * Fastify reads no body on a GET or a HEAD. A query sent with one gets what any route gives a body:
 * refused when it is too large, not JSON or ambiguous (as when Zan ran on Express), else ignored.
 */
export const refuseBadQueryBody = (request: FastifyRequest, limit: number, done: (error?: Error) => void): void => {
  if ((request.method !== 'GET' && request.method !== 'HEAD') || !hasBody(request.raw)) return done();
  readBody(request.raw, limit).then(
    (raw) => {
      try {
        parseJsonBody(request, raw);
        done();
      } catch (error) {
        done(error as Error);
      }
    },
    (error: Error) => done(error),
  );
};
