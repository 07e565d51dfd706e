import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { DomainError } from '@zan/domain';
import { Problem, ProblemException, problem } from './problem';

const STATUS_CODES: Record<number, string> = {
  400: 'bad-request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not-found',
  405: 'method-not-allowed',
  406: 'not-acceptable',
  409: 'conflict',
  410: 'gone',
  413: 'payload-too-large',
  415: 'unsupported-media-type',
  422: 'unprocessable',
  429: 'too-many-requests',
  503: 'service-unavailable',
};

/** Maps every error to application/problem+json. Unknown errors are a 500 with no detail leaked. */
export const toProblem = (error: unknown): { problem: Problem; headers: Record<string, string> } => {
  if (error instanceof ProblemException) return { problem: error.problem, headers: error.headers };
  if (error instanceof DomainError) {
    return { problem: problem(error.status, error.code, error.title, error.message), headers: {} };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const body = error.getResponse();
    const detail =
      typeof body === 'string'
        ? body
        : Array.isArray((body as { message?: unknown }).message)
          ? ((body as { message: string[] }).message).join('; ')
          : String((body as { message?: unknown }).message ?? error.message);
    const code = STATUS_CODES[status] ?? 'http-error';
    return { problem: problem(status, code, HttpStatus[status]?.replace(/_/g, ' ').toLowerCase() ?? 'error', detail), headers: {} };
  }
  // body-parser failures (malformed JSON, too large) reach here as plain errors with a status.
  const e = error as { type?: string; status?: number; statusCode?: number; expose?: boolean };
  const status = e?.status ?? e?.statusCode;
  if (e?.expose && typeof status === 'number' && status >= 400 && status < 500) {
    const code = e.type === 'entity.parse.failed' ? 'malformed-json' : (STATUS_CODES[status] ?? 'bad-request');
    const detail = e.type === 'entity.parse.failed' ? 'the request body is not valid JSON' : String((error as Error).message);
    return { problem: problem(status, code, 'Bad request', detail), headers: {} };
  }
  return {
    problem: problem(500, 'internal', 'Internal server error', 'the request failed on our side; it is safe to retry with the same Idempotency-Key'),
    headers: {},
  };
};

@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  catch(error: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const { problem: body, headers } = toProblem(error);
    if (body.status >= 500 && body.status !== 503) this.logger.error(error instanceof Error ? error.stack : String(error));
    if (response.headersSent) return;
    for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
    response.status(body.status).type('application/problem+json').send(JSON.stringify(body));
  }
}
