import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Request } from 'express';
import type { RequestIds } from '@zan/platform';
import type { Principal } from '../auth/auth.guard';
import type { CommandContext, IdempotencyContext } from './command-context';

const CORRELATION = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The command context of a request: caller, correlation id (X-Correlation-Id, else the request id),
 * idempotency, and the command id, which becomes the causation id of its events and of the request's log line.
 */
export const Ctx = createParamDecorator((_: unknown, context: ExecutionContext): CommandContext => {
  const request = context.switchToHttp().getRequest<Request & RequestIds & { principal: Principal; idempotency?: IdempotencyContext }>();
  const given = request.correlationId ?? request.header('x-correlation-id') ?? request.header('x-request-id');
  const commandId = request.idempotency?.commandId ?? randomUUID();
  request.causationId = commandId;
  return {
    userId: request.principal.userId,
    correlationId: given && CORRELATION.test(given) ? given : randomUUID(),
    commandId,
    ...(request.idempotency && { idempotency: request.idempotency }),
  };
});
