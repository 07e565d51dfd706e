import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { EventMetadata } from '@zan/contracts';
import { type CommandRequest, type IdempotencyContext, headerOf } from '../http/api-request';
import { deterministicIds, idempotentCommandId, randomId } from './ids';

export type { CommandRequest, IdempotencyContext } from '../http/api-request';

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
export const eventIdsOf = (commandId: string): ((index: number) => string) => deterministicIds(commandId, 'event');

/**
 * The event ids a request's command had before its command id named the request's hash (from
 * (user, key) alone): what a retry taken over from a first attempt made then must also look for.
 */
export const legacyEventIdsOf = (metadata: EventMetadata): ((index: number) => string) | undefined =>
  metadata.idempotencyKey === undefined ? undefined : eventIdsOf(idempotentCommandId(metadata.userId, metadata.idempotencyKey));

const CORRELATION = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The id every effect of the request's command derives from, computed once per request: from
 * (user, Idempotency-Key) when the IdempotencyInterceptor accepted a key, so that a retry is the
 * same command with the same ids; random without one. It is also the causation id of the request's
 * log line.
 */
export const commandIdOf = (request: CommandRequest): string => {
  const state = request.raw;
  if (state.commandId === undefined) {
    const key = state.idempotency?.key;
    state.commandId = key === undefined ? randomId() : idempotentCommandId(state.principal.userId, key, state.acceptedKey?.hash);
    state.causationId = state.commandId;
  }
  return state.commandId;
};

/**
 * The command context of a request: caller, correlation id (X-Correlation-Id, else the request id),
 * idempotency, and the command id.
 */
export const Ctx = createParamDecorator((_: unknown, context: ExecutionContext): CommandContext => {
  const request = context.switchToHttp().getRequest<CommandRequest>();
  const state = request.raw;
  const given = state.correlationId ?? headerOf(request, 'x-correlation-id') ?? headerOf(request, 'x-request-id');
  return {
    userId: state.principal.userId,
    correlationId: given && CORRELATION.test(given) ? given : randomId(),
    commandId: commandIdOf(request),
    ...(state.idempotency && { idempotency: state.idempotency }),
  };
});
