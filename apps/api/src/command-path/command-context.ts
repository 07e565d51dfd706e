import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { EventMetadata } from '@zan/contracts';
import type { RequestIds } from '@zan/platform';
import type { Principal } from '../auth/auth.guard';
import { deterministicId, idempotentCommandId, randomId } from './ids';

/** An Idempotency-Key the IdempotencyInterceptor accepted for this request. */
export interface IdempotencyContext {
  key: string;
  /** A previous attempt with this key died mid-way: the command may already have taken effect. */
  recovering: boolean;
}

/** Who asks, under which correlation, and (for money-moving commands) with which idempotency key. */
export interface CommandContext {
  userId: string;
  correlationId: string;
  /** The seed of every id the command creates (commandIdOf, computed once per request). */
  commandId: string;
  idempotency?: IdempotencyContext;
}

/** A command's metadata: its events are caused by `commandId` (the context's, or one derived from it). */
export const metadataOf = (context: CommandContext, commandId = context.commandId): EventMetadata => ({
  correlationId: context.correlationId,
  causationId: commandId,
  userId: context.userId,
  ...(context.idempotency && { idempotencyKey: context.idempotency.key }),
});

/** Event ids of a command: the same command id always gives the same ids. */
export const eventIdsOf = (commandId: string) => (index: number) => deterministicId(commandId, 'event', String(index));

const CORRELATION = /^[A-Za-z0-9._:-]{1,128}$/;

/** A request as the command path sees it, once authenticated (and its Idempotency-Key accepted, if any). */
export type CommandRequest = Request & RequestIds & { principal: Principal; idempotency?: IdempotencyContext; commandId?: string };

/**
 * The id every effect of the request's command derives from, computed once per request: from
 * (user, Idempotency-Key) when the IdempotencyInterceptor accepted a key, so that a retry is the
 * same command with the same ids; random without one. It is also the causation id of the request's
 * log line.
 */
export const commandIdOf = (request: CommandRequest): string => {
  if (request.commandId === undefined) {
    const key = request.idempotency?.key;
    request.commandId = key === undefined ? randomId() : idempotentCommandId(request.principal.userId, key);
    request.causationId = request.commandId;
  }
  return request.commandId;
};

/**
 * The command context of a request: caller, correlation id (X-Correlation-Id, else the request id),
 * idempotency, and the command id.
 */
export const Ctx = createParamDecorator((_: unknown, context: ExecutionContext): CommandContext => {
  const request = context.switchToHttp().getRequest<CommandRequest>();
  const given = request.correlationId ?? request.header('x-correlation-id') ?? request.header('x-request-id');
  return {
    userId: request.principal.userId,
    correlationId: given && CORRELATION.test(given) ? given : randomId(),
    commandId: commandIdOf(request),
    ...(request.idempotency && { idempotency: request.idempotency }),
  };
});
