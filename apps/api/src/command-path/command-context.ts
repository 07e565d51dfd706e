import type { EventMetadata } from '@zan/contracts';
import { deterministicId, randomId } from './ids';

/** What a handler of an idempotent route learns about its request (set by the IdempotencyInterceptor). */
export interface IdempotencyContext {
  key: string;
  /** Deterministic per (user, key): the seed of every id the command creates. */
  commandId: string;
  /** A previous attempt with this key died mid-way: the command may already have taken effect. */
  recovering: boolean;
}

/** Who asks, under which correlation, and (for money-moving commands) with which idempotency key. */
export interface CommandContext {
  userId: string;
  correlationId: string;
  /** Set per request (Ctx): deterministic with an Idempotency-Key, else random. */
  commandId?: string;
  idempotency?: IdempotencyContext;
}

/** The id every effect of this command derives from: deterministic when an Idempotency-Key is given. */
export const commandIdOf = (context: CommandContext): string => context.commandId ?? context.idempotency?.commandId ?? randomId();

export const metadataOf = (context: CommandContext, commandId: string): EventMetadata => ({
  correlationId: context.correlationId,
  causationId: commandId,
  userId: context.userId,
  ...(context.idempotency && { idempotencyKey: context.idempotency.key }),
});

/** Event ids of a command: the same command id always gives the same ids. */
export const eventIdsOf = (commandId: string) => (index: number) => deterministicId(commandId, 'event', String(index));
