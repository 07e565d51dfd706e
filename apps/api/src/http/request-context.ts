import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Request } from 'express';
import type { Principal } from '../auth/auth.guard';
import type { CommandContext } from '../command-path/command-context';
import type { IdempotencyContext } from '../idempotency/idempotency.interceptor';

const CORRELATION = /^[A-Za-z0-9._:-]{1,128}$/;

/** The command context of a request: caller, correlation id (X-Correlation-Id or new), idempotency. */
export const Ctx = createParamDecorator((_: unknown, context: ExecutionContext): CommandContext => {
  const request = context.switchToHttp().getRequest<Request & { principal: Principal; idempotency?: IdempotencyContext }>();
  const given = request.header('x-correlation-id') ?? request.header('x-request-id');
  return {
    userId: request.principal.userId,
    correlationId: given && CORRELATION.test(given) ? given : randomUUID(),
    ...(request.idempotency && { idempotency: request.idempotency }),
  };
});
