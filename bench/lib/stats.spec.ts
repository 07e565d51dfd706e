import { percentile, perSecond, spread, timedLoop } from './stats';

describe('percentile (nearest rank)', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);

  it('answers a measured value: the smallest with at least p% at or below it', () => {
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 99.9)).toBe(100);
    expect(percentile(hundred, 100)).toBe(100);
    expect(percentile(hundred, 0)).toBe(1);
  });

  it('is NaN for no values, and the only value for one', () => {
    expect(percentile([], 50)).toBeNaN();
    expect(percentile([7], 99.9)).toBe(7);
  });

  it('spread sorts first and reports count, max and mean', () => {
    expect(spread([3, 1, 2, 10])).toEqual({ count: 4, p50: 2, p99: 10, p999: 10, max: 10, mean: 4 });
  });
});

describe('rates', () => {
  it('perSecond rounds and survives a zero duration', () => {
    expect(perSecond(1500, 1000)).toBe(1500);
    expect(perSecond(1, 3)).toBe(333);
    expect(perSecond(5, 0)).toBe(0);
  });

  it("timedLoop counts every concurrent worker's operations (no update lost across awaits)", async () => {
    let calls = 0;
    const result = await timedLoop({
      workers: 8,
      durationMs: 30,
      recordLatency: true,
      step: async () => {
        calls++;
        await new Promise((resolve) => setTimeout(resolve, 1));
        return 2;
      },
    });
    expect(result.operations).toBe(calls * 2);
    expect(result.latencies).toHaveLength(calls);
  });
});
