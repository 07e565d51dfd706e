import type { EventMetadata } from '@zan/contracts';
import { deterministicId } from './ids';

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
