import type { NextFunction, Request, Response } from 'express';
import { ProblemException, problem } from './problem';

/** A body of some length, or a chunked one with a type (an untyped chunked body, as a bare POST sends on a claim, is none). */
const hasBody = (request: Request): boolean =>
  Number(request.headers['content-length'] ?? 0) > 0 || (request.headers['transfer-encoding'] !== undefined && request.headers['content-type'] !== undefined);

/** More than one Authorization header. Node keeps the first in `headers`, so without one there is no second either. */
const repeatsAuthorization = (request: Request): boolean => {
  if (request.headers.authorization === undefined) return false;
  let count = 0;
  const raw = request.rawHeaders;
  // Names only (even indexes); the length test spares a lower-casing of every other header.
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.length === 13 && raw[i]!.toLowerCase() === 'authorization' && ++count > 1) return true;
  return false;
};

/** What nearly every client sends, answered without parsing; anything else as Express's `is` reads it. */
const isJson = (request: Request): boolean => request.headers['content-type'] === 'application/json' || Boolean(request.is('application/json'));

/**
 * Headers that would make a request mean two things, refused before anything reads them: a second
 * Authorization header (Node keeps the first, a proxy may act on the last) is a 400, and a body that
 * is not application/json (read as a form, or not at all) is a 415 instead of a list of fields said
 * to be missing. A request without a body (a claim) needs no Content-Type.
 */
export const refuseAmbiguousHeaders = (request: Request, _response: Response, next: NextFunction): void => {
  if (repeatsAuthorization(request)) {
    next(new ProblemException(problem(400, 'bad-request', 'Bad request', 'send one Authorization header, not several')));
    return;
  }
  if (hasBody(request) && !isJson(request)) {
    const sent = request.headers['content-type'] ?? 'none';
    next(
      new ProblemException(problem(415, 'unsupported-media-type', 'Unsupported media type', `request bodies are application/json, got ${sent.slice(0, 100)}`)),
    );
    return;
  }
  next();
};
