/**
 * The shape every benchmark scenario reports, so `npm run bench` can put them side by side in one
 * Markdown report, one chart and one history line per run.
 *
 * A scenario measures Zan and, in the same run on the same machine, its baselines: the physical
 * limit (raw PostgreSQL, Kafka or Redis doing the same writes), the naive design, and peers (another
 * event store doing the same commands). Each figure
 * carries its ratio to a baseline because these machines are noisy: ratios travel, absolutes less.
 */
export interface Figure {
  /** Short stable key, used in the history (e.g. `tips_per_s`, `lag_p99_ms`). */
  key: string;
  /** What it is, for the report (e.g. "tips/s sustained through HTTP"). */
  label: string;
  value: number;
  unit: 'ops/s' | 'events/s' | 'ms' | 's' | 'count' | '%';
  /** `higher` for throughputs, `lower` for latencies and times. */
  better: 'higher' | 'lower';
  /** The target, when it sets one (e.g. 3000 tips/s, 50 ms p99). */
  target?: number;
}

export interface Baseline {
  /** Stable key (e.g. `pg_insert_single`, `naive_cqrs`). */
  key: string;
  label: string;
  /** physical: the servers alone; naive: a minimal design of ours; peer: another event store doing the same work. */
  kind: 'physical' | 'naive' | 'peer';
  value: number;
  unit: Figure['unit'];
  /** Which figure of the scenario it is compared with (its key). */
  compares: string;
}

export interface ScenarioResult {
  /** Stable id: `tip-storm`, `claim-storm`, `projection`, `replay`, `append`. */
  id: string;
  title: string;
  /** How it was run: counts, concurrency, durations, in plain words. */
  setup: string;
  figures: Figure[];
  baselines: Baseline[];
  /** Checks the scenario made of its own outcome (e.g. "exactly 100 winners"): all must hold. */
  checks: { label: string; ok: boolean; detail?: string }[];
  /** Observations worth a line in the report (what limited it, what was saturated). */
  notes: string[];
  /** Latency series for the chart, when the scenario has one (milliseconds). */
  latency?: { label: string; p50: number; p99: number; p999?: number };
}

export interface BenchContext {
  /** Environment of the run: PostgreSQL, Redis, Kafka addresses as the tests use them. */
  env: Record<string, string>;
  /** Scale factor: 1 for the full run, smaller for a quick one (`BENCH_QUICK=1`). */
  scale: number;
  log: (line: string) => void;
}

export type Scenario = (context: BenchContext) => Promise<ScenarioResult>;
