import type { Commit, Machine } from './machine';
import type { ScenarioResult } from './types';

/** What happened to one scenario of a run. */
export interface ScenarioOutcome {
  id: string;
  /** `not available`: no bench/scenarios/<id>.ts, or it exports no `run`. */
  status: 'ok' | 'failed' | 'not available';
  result?: ScenarioResult;
  /** Why it failed or is not available. */
  error?: string;
  seconds: number;
  loadBefore: number;
  loadAfter: number;
}

/** One `npm run bench`: everything the report, the chart and the history line are made from. */
export interface RunRecord {
  /** When the run started, ISO 8601 UTC. */
  date: string;
  commit: Commit;
  quick: boolean;
  scale: number;
  machine: Machine;
  load: { before: number[]; after: number[] };
  scenarios: ScenarioOutcome[];
  /** Errors nobody awaited (a scenario's stray promise) met during the run. */
  strayErrors: string[];
}

/** A run fails when a scenario failed, was missing, or one of its checks did not hold. */
export const runFailed = (record: RunRecord): boolean => record.scenarios.some((s) => s.status !== 'ok' || s.result!.checks.some((check) => !check.ok));
