import { SetMetadata, applyDecorators, type Type } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import type { DomainError } from '@zan/domain';
import type { CommandRequest } from './api-request';

export const IDEMPOTENT_ROUTE = 'zan:idempotent';
export const REFUSED_UP_FRONT = 'zan:refused-up-front';
export const CLAIMED_BY_APPEND = 'zan:claimed-by-append';

/**
 * A route's refusal known before its command runs, from state the api holds (a packet that is gone, a
 * product sold out moments ago): the answer the command would give too, and no effect, so the
 * IdempotencyInterceptor stores it as the key's answer in one write and the command never runs.
 * Undefined: the request goes the usual way (and so does bad input, which the route answers itself).
 */
export interface UpFrontRefusal {
  refusalOf(request: CommandRequest): DomainError | undefined;
}

/**
 * Marks a route whose answer is replayed for a repeated Idempotency-Key (the IdempotencyInterceptor
 * acts on it; money-moving routes are rate limited by it). Money-moving routes require the key;
 * other POSTs honour it when given (`optional`). `refusedUpFront`: the provider that may refuse the
 * request before its command runs (UpFrontRefusal). `claimedByAppend`: the key is taken by the append
 * that stores the command's effect, not by a write before the command (IdempotencyInterceptor); only
 * for a command whose one effect is that append of its request's deterministic events (the same key
 * run twice at once stores it once), carrying Execution.claim.
 */
export const Idempotent = (options: { optional?: boolean; refusedUpFront?: Type<UpFrontRefusal>; claimedByAppend?: boolean } = {}) =>
  applyDecorators(
    SetMetadata(IDEMPOTENT_ROUTE, options.optional ? 'optional' : 'required'),
    ...(options.refusedUpFront ? [SetMetadata(REFUSED_UP_FRONT, options.refusedUpFront)] : []),
    ...(options.claimedByAppend ? [SetMetadata(CLAIMED_BY_APPEND, true)] : []),
    ApiHeader({
      name: 'Idempotency-Key',
      required: !options.optional,
      description: options.optional
        ? 'Optional. When sent, the same key with the same body answers the first response again.'
        : 'Required. The same key with the same body answers the first response again (Idempotent-Replayed: true), with no new effect; with another body, a 409. Kept at least 24 h.',
      schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x20-\\x7e]{1,255}$', example: 'fund-0001' },
    }),
  );
