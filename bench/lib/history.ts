import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import type { RunRecord, ScenarioOutcome } from './run-record';

/** One line of bench/results/history.jsonl: the key facts of a run, every figure and baseline. */
export interface HistoryEntry {
  date: string;
  commit: string;
  dirty: boolean;
  /** A quick run (BENCH_QUICK=1): short phases, not comparable with full runs. */
  quick: boolean;
  scale: number;
  load: { before: number[]; after: number[] };
  machine: { cpu: string; cores: number };
  scenarios: Record<string, { status: ScenarioOutcome['status']; failedChecks?: number; figures: Record<string, number>; baselines: Record<string, number> }>;
}

export const historyEntry = (record: RunRecord): HistoryEntry => ({
  date: record.date,
  commit: record.commit.sha,
  dirty: record.commit.dirty,
  quick: record.quick,
  scale: record.scale,
  load: record.load,
  machine: { cpu: record.machine.cpu, cores: record.machine.cores },
  scenarios: Object.fromEntries(
    record.scenarios.map((outcome) => [
      outcome.id,
      {
        status: outcome.status,
        failedChecks: outcome.result?.checks.filter((check) => !check.ok).length ?? 0,
        figures: Object.fromEntries((outcome.result?.figures ?? []).map((f) => [f.key, f.value])),
        baselines: Object.fromEntries((outcome.result?.baselines ?? []).map((b) => [b.key, b.value])),
      },
    ]),
  ),
});

/** Earlier runs, oldest first. A line that does not parse (a run killed mid-write) is skipped. */
export const readHistory = (file: string): HistoryEntry[] => {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .flatMap((line) => {
      try {
        const entry = JSON.parse(line) as HistoryEntry;
        return entry && typeof entry.date === 'string' && entry.scenarios ? [entry] : [];
      } catch {
        return [];
      }
    });
};

export const appendHistory = (file: string, entry: HistoryEntry): void => appendFileSync(file, `${JSON.stringify(entry)}\n`);
