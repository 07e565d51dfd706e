import type { ThrottlerStorage } from '@nestjs/throttler';

/** Fixed-window counters per key behind @nestjs/throttler's guard: the api's per-user rate limits. */
export type RateLimitStore = ThrottlerStorage;

export const RATE_LIMIT_STORE = Symbol('RATE_LIMIT_STORE');
