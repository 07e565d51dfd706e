/** Small measuring helpers shared by the scenarios and the baselines: percentiles, rates, timed loops. */

export interface Spread {
  count: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

/**
 * The nearest-rank percentile of sorted values: the smallest value with at least p% of the values at
 * or below it. NaN for no values. Nearest rank never invents a value that was not measured.
 */
export const percentile = (sorted: readonly number[], p: number): number => {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
};

export const spread = (values: readonly number[]): Spread => {
  const sorted = [...values].sort((a, b) => a - b);
  const sum = sorted.reduce((total, value) => total + value, 0);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    p999: percentile(sorted, 99.9),
    max: sorted.length === 0 ? NaN : sorted[sorted.length - 1]!,
    mean: sorted.length === 0 ? NaN : sum / sorted.length,
  };
};

/** Operations per second, rounded to a whole number (these figures are never finer than that). */
export const perSecond = (count: number, milliseconds: number): number => (milliseconds > 0 ? Math.round((count * 1000) / milliseconds) : 0);

/** Rounds a latency to 0.01 ms for the report and the history. */
export const roundMs = (value: number): number => Math.round(value * 100) / 100;

export interface LoopResult {
  /** Operations completed (each worker's count summed). */
  operations: number;
  /** From the first worker's start to the last worker's end. */
  elapsedMs: number;
  /** Latency of each operation, in milliseconds, when recorded. */
  latencies: number[];
  opsPerSecond: number;
}

/**
 * Runs `workers` loops at once until `durationMs` has passed: each loop calls `step` again as soon as
 * the previous call resolved (closed loop). A step returns how many operations it completed (a
 * batch counts its rows). Latencies are taken per step when `recordLatency` is set.
 * A step that throws stops the whole run: a baseline that fails is not a figure.
 */
export const timedLoop = async (options: {
  workers: number;
  durationMs: number;
  step: (worker: number, iteration: number) => Promise<number>;
  recordLatency?: boolean;
}): Promise<LoopResult> => {
  const latencies: number[] = [];
  let operations = 0;
  const started = performance.now();
  const deadline = started + options.durationMs;
  await Promise.all(
    Array.from({ length: options.workers }, async (_, worker) => {
      for (let iteration = 0; performance.now() < deadline; iteration++) {
        const before = performance.now();
        // Awaited first: `operations += await step()` would read the total before the await and
        // write it back after, losing the other workers' counts in between.
        const done = await options.step(worker, iteration);
        operations += done;
        if (options.recordLatency) latencies.push(performance.now() - before);
      }
    }),
  );
  const elapsedMs = performance.now() - started;
  return { operations, elapsedMs, latencies, opsPerSecond: perSecond(operations, elapsedMs) };
};

/** Duration of a measured phase at a given scale, never below a floor (a quick run still measures something). */
export const scaledMs = (fullMs: number, scale: number, floorMs = 1000): number => Math.max(floorMs, Math.round(fullMs * scale));
