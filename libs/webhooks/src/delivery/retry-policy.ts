export interface RetryPolicy {
  /** Wait before the second attempt (about 5 s); doubled for each further one, with jitter. */
  baseMs: number;
  /** Longest wait between two attempts (1 h). */
  maxMs: number;
  /** How long a delivery is retried from when it was queued (at least 24 h) before it is given up. */
  windowMs: number;
  /** An endpoint failing every delivery this long is disabled (3 days). */
  disableAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  baseMs: 5_000,
  maxMs: 3_600_000,
  windowMs: 24 * 3_600_000,
  disableAfterMs: 3 * 24 * 3_600_000,
};

/**
 * When to try again after `attempts` failed attempts, or undefined once the window has passed. The
 * wait doubles from baseMs, capped at maxMs, then is spread over ±20% so endpoints that failed
 * together are not retried together.
 */
export const nextAttemptAt = (policy: RetryPolicy, attempts: number, firstQueuedAt: Date, now: Date, random: () => number = Math.random): Date | undefined => {
  if (now.getTime() - firstQueuedAt.getTime() >= policy.windowMs) return undefined;
  const doubled = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(Math.max(attempts - 1, 0), 40));
  const jittered = Math.min(policy.maxMs, Math.round(doubled * (0.8 + 0.4 * random())));
  return new Date(now.getTime() + jittered);
};
