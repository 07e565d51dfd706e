import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Params } from 'nestjs-pino';
import type { StoredEvent } from '@zan/contracts';
import type { ZanConfig } from '../zan.config';

const ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** What a request carries for logs and events: its id, and the correlation id its events get. */
export interface RequestIds {
  id?: string | number | object;
  correlationId?: string;
  /** The id of the command the request ran (the causation id of its events), once known. */
  causationId?: string;
  principal?: { userId: string };
}

const header = (req: IncomingMessage, name: string): string | undefined => {
  const value = req.headers[name];
  return typeof value === 'string' && ID.test(value) ? value : undefined;
};

/**
 * The request id is the caller's X-Request-Id (when well formed) or a new uuid; the correlation id is
 * the caller's X-Correlation-Id or else the request id. Both are echoed in the response headers.
 */
export const requestIdOf = (req: IncomingMessage & RequestIds, res: ServerResponse): string => {
  const id = header(req, 'x-request-id') ?? randomUUID();
  req.correlationId = header(req, 'x-correlation-id') ?? id;
  res.setHeader('X-Request-Id', id);
  res.setHeader('X-Correlation-Id', req.correlationId);
  return id;
};

/** Paths whose every request would drown the log (scrapes and probes). */
const QUIET = /^\/(metrics|health\/(live|ready))(\?|$)/;

/** Secrets never written: the bearer token, cookies, and the JWT secret wherever a config object is logged. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'jwtSecret',
  '*.jwtSecret',
  'ZAN_JWT_SECRET',
  '*.ZAN_JWT_SECRET',
  'token',
  '*.token',
];

/** nestjs-pino settings: one JSON line per log, request logs with request, correlation and causation ids. */
export const loggingParams = (config: ZanConfig, level = config.logLevel): Params => ({
  pinoHttp: {
    level,
    base: { pid: process.pid },
    genReqId: requestIdOf as (req: IncomingMessage, res: ServerResponse) => string,
    customProps: (req: IncomingMessage & RequestIds) => ({
      requestId: req.id,
      correlationId: req.correlationId,
      ...(req.causationId && { causationId: req.causationId }),
      ...(req.principal && { userId: req.principal.userId }),
    }),
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    autoLogging: { ignore: (req) => QUIET.test(req.url ?? '') },
  },
});

/** The fields a log line about one event carries, so the relay's and the projector's lines match. */
export const eventLogFields = (event: StoredEvent) => ({
  eventId: event.id,
  type: event.type,
  streamId: event.streamId,
  position: event.position.toString(),
  correlationId: event.metadata.correlationId,
  causationId: event.metadata.causationId,
});
