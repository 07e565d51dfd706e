import type { IncomingMessage } from 'node:http';
import { ProblemException, httpProblem, problem } from './problem';

/** A body of some length, or a chunked one with a type (an untyped chunked body, as a bare POST sends on a claim, is none). */
export const hasBody = (request: IncomingMessage): boolean =>
  Number(request.headers['content-length'] ?? 0) > 0 || (request.headers['transfer-encoding'] !== undefined && request.headers['content-type'] !== undefined);

/** More than one Authorization header. Node keeps the first in `headers`, so without one there is no second either. */
const repeatsAuthorization = (request: IncomingMessage): boolean => {
  if (request.headers.authorization === undefined) return false;
  let count = 0;
  const raw = request.rawHeaders;
  // Names only (even indexes); the length test spares a lower-casing of every other header.
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.length === 13 && raw[i]!.toLowerCase() === 'authorization' && ++count > 1) return true;
  return false;
};

/** `application/json`, with or without parameters (a charset), in any case: what nearly every client sends is answered without parsing. */
const isJson = (contentType: string | undefined): boolean =>
  contentType === 'application/json' || (contentType !== undefined && /^application\/json[ \t]*(;|$)/i.test(contentType));

/** A body Zan does not read (another media type, a charset, an encoding): a 415 saying what was sent. */
export const unsupportedMediaType = (detail: string) => new ProblemException(httpProblem('unsupported-media-type', detail));

/** A body that is not application/json; `sent` is its Content-Type, if any. */
export const notJsonBody = (sent: string | undefined) => unsupportedMediaType(`request bodies are application/json, got ${(sent ?? 'none').slice(0, 100)}`);

/**
 * Headers that would make a request mean two things, refused before anything reads them: a second
 * Authorization header (Node keeps the first, a proxy may act on the last) is a 400, and a body that
 * is not application/json (read as a form, or not at all), or is compressed, is a 415 instead of a
 * list of fields said to be missing. A request without a body (a claim) needs no Content-Type.
 */
export const refuseAmbiguousHeaders = (request: IncomingMessage, next: (error?: Error) => void): void => {
  if (repeatsAuthorization(request)) {
    next(new ProblemException(problem(400, 'bad-request', 'Bad request', 'send one Authorization header, not several')));
    return;
  }
  if (hasBody(request)) {
    const type = request.headers['content-type'];
    if (!isJson(type)) {
      next(notJsonBody(type));
      return;
    }
    const encoding = request.headers['content-encoding'];
    if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
      next(unsupportedMediaType(`request bodies are sent uncompressed, got Content-Encoding ${encoding.slice(0, 40)}`));
      return;
    }
  }
  next();
};
