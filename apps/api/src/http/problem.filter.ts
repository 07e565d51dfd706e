import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { types } from 'node:util';
import { DomainError } from '@zan/domain';
import { HTTP_PROBLEMS, Problem, ProblemException, httpProblem, problem, problemType } from './problem';

/** The problem code of each status Nest or Fastify may answer without Zan's own code. */
const STATUS_CODES: Record<number, string> = Object.fromEntries(
  ['bad-request', 'unauthorized', 'forbidden', 'not-found', 'payload-too-large', 'unsupported-media-type'].map((code) => [HTTP_PROBLEMS[code]!.status, code]),
);

/** ioredis's own errors while its connection is down (the command was not run, or its answer is lost). */
const REDIS_UNREACHABLE = new Set(['MaxRetriesPerRequestError', 'Connection is closed.', "Stream isn't writeable and enableOfflineQueue options is false"]);
const SOCKET_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH']);
/** node-postgres when its connection is lost (a terminated backend, a restart, a failover). */
const POSTGRES_UNREACHABLE = new Set([
  'Connection terminated unexpectedly',
  'Connection terminated',
  'Client has encountered a connection error and is not queryable',
  'timeout exceeded when trying to connect',
]);
/**
 * SQLSTATE class 08 (connection exception), 57P01..57P03 (the server shutting down or starting), class
 * 53 (insufficient resources: 53100 disk_full, 53200 out_of_memory, 53300 too_many_connections, the
 * connection limit of the server or of the role reached), 57014 (query_canceled: the server's
 * statement_timeout, as the client's own deadline answers 503) and 55P03 (lock_not_available: its
 * lock_timeout). Nothing was stored by the failed statement; the same request works again later.
 */
const POSTGRES_OUTAGE_STATE = /^(08[0-9A-Z]{3}|57P0[123]|53[0-9A-Z]{3}|57014|55P03)$/;
/**
 * @kurrent/kurrentdb-client (EventStoreDB) while the server is down, restarting or electing a leader:
 * its reads fail with its own errors, typed by `type`; its appends with grpc-js's own ServiceError,
 * whose `code` is a gRPC status number: 14 UNAVAILABLE, 4 DEADLINE_EXCEEDED.
 */
const EVENTSTOREDB_OUTAGE_TYPES = new Set(['unavailable', 'deadline-exceeded', 'not-leader']);
const GRPC_OUTAGE_CODES = new Set([4, 14]);

/**
 * A backing service (Redis, PostgreSQL, EventStoreDB) that cannot be reached: an outage the client waits out, so a 503 with
 * Retry-After rather than an internal error.
 */
const isUnreachable = (error: unknown): boolean => {
  // isNativeError too: an error Node made in another realm (jest's sandbox) is no instance of this one's Error.
  if (!(error instanceof Error || types.isNativeError(error))) return false;
  const code = (error as { code?: unknown }).code;
  if (REDIS_UNREACHABLE.has(error.name) || REDIS_UNREACHABLE.has(error.message) || POSTGRES_UNREACHABLE.has(error.message)) return true;
  // A Redis Cluster during a failover: no node answers, or the slot's primary is being replaced.
  if (error.name === 'ClusterAllFailedError' || /^(CLUSTERDOWN|TRYAGAIN|MASTERDOWN) /.test(error.message)) return true;
  const type = (error as { type?: unknown }).type;
  if (typeof type === 'string' && EVENTSTOREDB_OUTAGE_TYPES.has(type)) return true;
  if (typeof code === 'number' && GRPC_OUTAGE_CODES.has(code) && 'metadata' in error) return true;
  return typeof code === 'string' && (SOCKET_ERRORS.has(code) || POSTGRES_OUTAGE_STATE.test(code));
};

/** The field a domain validation message names first ("quantity x price is too large", "stars must be ..."), else the body. */
const fieldNamed = (message: string): string => /^([a-z][A-Za-z0-9]*(?:\.[a-z][A-Za-z0-9]*)*) (?:must|applies|x )/.exec(message)?.[1] ?? 'body';

/** Maps every error to application/problem+json. Unknown errors are a 500 with no detail leaked. */
export const toProblem = (error: unknown): { problem: Problem; headers: Record<string, string> } => {
  if (error instanceof ProblemException) return { problem: error.problem, headers: error.headers };
  if (error instanceof DomainError) {
    // "errors: [{ field, message }] for validation": a malformed command the domain refused names its field too.
    const extra = error.code === 'validation' ? { errors: [{ field: fieldNamed(error.message), message: error.message }] } : {};
    return { problem: problem(error.status, error.code, error.title, error.message, extra), headers: {} };
  }
  // Nest's own (an unknown route's 404) and Fastify's, which Nest turns into HttpExceptions: a body
  // too large (413), a Content-Length that is not a number (400).
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const body = error.getResponse();
    const message = typeof body === 'string' ? body : (body as { message?: unknown }).message;
    const said = Array.isArray(message) ? message.join('; ') : typeof message === 'string' ? message : error.message;
    // Nest names an unknown route with its query ("Cannot GET /v1/nope?access_token=..."): the path only.
    const detail = status === 404 ? said.replace(/^(Cannot [A-Z]+ [^?\s]*)\?.*$/s, '$1') : said;
    const code = STATUS_CODES[status];
    if (code) return { problem: httpProblem(code, detail), headers: {} };
    const name = (HttpStatus[status] ?? 'error').replace(/_/g, ' ').toLowerCase();
    return { problem: problem(status, 'http-error', name[0]!.toUpperCase() + name.slice(1), detail), headers: {} };
  }
  // Errors that say they may be shown, with a status of their own.
  const e = error as { status?: number; statusCode?: number; expose?: boolean };
  const status = e?.status ?? e?.statusCode;
  if (e?.expose && typeof status === 'number' && STATUS_CODES[status]) {
    return { problem: httpProblem(STATUS_CODES[status]!, String((error as Error).message)), headers: {} };
  }
  if (isUnreachable(error)) {
    return {
      problem: httpProblem('unavailable', 'a service Zan depends on cannot be reached; retry in a moment (with the same Idempotency-Key)'),
      headers: { 'Retry-After': '1' },
    };
  }
  return {
    problem: httpProblem('internal', 'the request failed on our side; it is safe to retry with the same Idempotency-Key'),
    headers: {},
  };
};

@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  catch(error: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const { problem: body, headers } = toProblem(error);
    if (body.status >= 500 && body.status !== 503) this.logger.error(error instanceof Error ? error.stack : String(error));
    else if (body.type === problemType('unavailable')) this.logger.warn(`answered 503: ${error instanceof Error ? error.message : String(error)}`);
    if (reply.sent) return;
    reply.status(body.status).headers(headers).type('application/problem+json; charset=utf-8').send(JSON.stringify(body));
  }
}
