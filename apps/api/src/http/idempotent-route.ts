import { SetMetadata, applyDecorators } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';

export const IDEMPOTENT_ROUTE = 'zan:idempotent';

/**
 * Marks a route whose answer is replayed for a repeated Idempotency-Key (the IdempotencyInterceptor
 * acts on it; money-moving routes are rate limited by it). Money-moving routes require the key;
 * other POSTs honour it when given (`optional`).
 */
export const Idempotent = (options: { optional?: boolean } = {}) =>
  applyDecorators(
    SetMetadata(IDEMPOTENT_ROUTE, options.optional ? 'optional' : 'required'),
    ApiHeader({
      name: 'Idempotency-Key',
      required: !options.optional,
      description: options.optional
        ? 'Optional. When sent, the same key with the same body answers the first response again.'
        : 'Required. The same key with the same body answers the first response again (Idempotent-Replayed: true), with no new effect; with another body, a 409. Kept at least 24 h.',
      schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]{1,255}$', example: 'fund-0001' },
    }),
  );
