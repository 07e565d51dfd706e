import { DEFAULT_RETRY_POLICY, nextAttemptAt } from './retry-policy';

const start = new Date('2026-12-01T00:00:00Z');
const after = (ms: number) => new Date(start.getTime() + ms);
const waitAfter = (attempts: number, now: Date, random = 0.5) =>
  nextAttemptAt(DEFAULT_RETRY_POLICY, attempts, start, now, () => random)!.getTime() - now.getTime();

describe('the retry policy (CONTRACT.md: about 5 s, doubling with jitter, at most 1 h apart, for at least 24 h)', () => {
  it('waits about 5 s after the first failure, then doubles', () => {
    expect(waitAfter(1, start)).toBe(5_000);
    expect(waitAfter(2, after(5_000))).toBe(10_000);
    expect(waitAfter(3, after(15_000))).toBe(20_000);
  });

  it('spreads each wait over ±20% and never past 1 h', () => {
    expect(waitAfter(1, start, 0)).toBe(4_000);
    expect(waitAfter(1, start, 0.999)).toBeLessThanOrEqual(6_000);
    expect(waitAfter(20, after(3_600_000), 0)).toBe(0.8 * 3_600_000);
    expect(waitAfter(20, after(3_600_000), 0.999)).toBe(3_600_000);
  });

  it('keeps trying for 24 h from when the delivery was queued, then gives up', () => {
    let now = start;
    let attempts = 0;
    for (;;) {
      const next = nextAttemptAt(DEFAULT_RETRY_POLICY, ++attempts, start, now, () => 0.5);
      if (!next) break;
      now = next;
    }
    expect(now.getTime() - start.getTime()).toBeGreaterThanOrEqual(24 * 3_600_000);
    expect(now.getTime() - start.getTime()).toBeLessThan(25 * 3_600_000);
    expect(attempts).toBeGreaterThan(24);
  });
});
