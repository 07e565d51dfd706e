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
  /** The route template matched (`/v1/red-packets/:id/claims`), which names the request's trace span. */
  route?: string;
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

type LoggedRequest = IncomingMessage & RequestIds & { originalUrl?: string };

/** pino-pretty when a person reads the terminal (never in production); JSON lines for machines. */
export const prettyLogs = (config: ZanConfig, stdoutIsTty = process.stdout.isTTY === true): boolean =>
  config.logFormat === 'pretty' || (config.logFormat === 'auto' && stdoutIsTty && config.env !== 'production');

const PRETTY = {
  target: 'pino-pretty',
  options: {
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,context,req,res,responseTime',
    messageFormat: '{if context}{context}: {end}{if req}{req.method} {req.url} {res.statusCode} {responseTime} ms {end}{msg}',
    singleLine: true,
  },
};

/**
 * nestjs-pino settings. A request's line says what an operator needs, each once: method and url,
 * status and duration, request, correlation and causation ids, user id; no header dumps. The ids
 * known when the request starts are bound for every line logged during it; the causation and user
 * ids, known only once the guard and the command ran, are added to the closing line. Those lines
 * are written by logRequests (request-logging.ts), not by pino-http's middleware: nestjs-pino
 * mounts none (`forRoutes: []`) and keeps only the logger built from these options.
 */
/** Query parameters whose values are credentials when a client sends them in the URL (a `?token=` of its own). */
const CREDENTIAL_IN_QUERY = /([?&][^=&#]*(?:token|secret|pass|signature|auth|key|credential)[^=&#]*=)[^&#]*/gi;

/** A request's URL as a log line may show it: a credential a client put in its query string is redacted. */
export const loggedUrl = (url: string | undefined): string | undefined =>
  url === undefined || !url.includes('?') ? url : url.replace(CREDENTIAL_IN_QUERY, '$1[redacted]');

export const loggingParams = (config: ZanConfig, level = config.logLevel): Params => ({
  forRoutes: [],
  pinoHttp: {
    level,
    base: { pid: process.pid },
    ...(prettyLogs(config) && { transport: PRETTY }),
    serializers: {
      req: (req: LoggedRequest) => ({ method: req.method, url: loggedUrl(req.originalUrl ?? req.url) }),
      res: (res: ServerResponse) => ({ statusCode: res.statusCode }),
    },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
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
