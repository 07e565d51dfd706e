/**
 * `npm run bench`: runs the benchmark scenarios and writes the report.
 *
 *   npm run bench                       # every scenario, in order
 *   npm run bench -- append tip-storm   # only those
 *   BENCH_QUICK=1 npm run bench         # scale 0.1: a smoke run, marked as such everywhere
 *
 * Starts Kafka when nothing answers on its port (infra/kafka/start.sh). Each scenario is
 * bench/scenarios/<id>.ts exporting `run: Scenario` (bench/lib/types.ts); one that is missing or
 * throws is reported as such and the others still run; the exit code is then 1. Writes
 * bench/results/<UTC time>-<commit>.{md,svg}, copies them to latest.{md,svg}, and appends a line to
 * bench/results/history.jsonl (a quick run writes only its own -quick files).
 */
import 'reflect-metadata';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Logger } from '@nestjs/common';
import { renderChart } from './lib/chart';
import { appendHistory, historyEntry, readHistory } from './lib/history';
import { currentCommit, describeMachine, loadAverage } from './lib/machine';
import { renderReport } from './lib/report';
import { runFailed, type RunRecord, type ScenarioOutcome } from './lib/run-record';
import { benchEnv, serversOf } from './lib/servers';
import type { BenchContext, Scenario, ScenarioResult } from './lib/types';

const ROOT = join(__dirname, '..');
const RESULTS = join(__dirname, 'results');
const SCENARIOS = ['append', 'replay', 'tip-storm', 'projection', 'claim-storm', 'flash-sale', 'group-buy', 'scale-out', 'webhooks', 'dashboard'] as const;

const log = (line: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);

const parseArguments = (args: string[]): string[] => {
  const unknown = args.filter((id) => !(SCENARIOS as readonly string[]).includes(id));
  if (unknown.length > 0) {
    console.error(`unknown scenario(s): ${unknown.join(', ')}; known: ${SCENARIOS.join(', ')}`);
    process.exit(2);
  }
  // In the suite's order whatever the order given, each once.
  return args.length === 0 ? [...SCENARIOS] : SCENARIOS.filter((id) => args.includes(id));
};

const startKafka = (): void => {
  log('Kafka: bash infra/kafka/start.sh');
  const started = spawnSync('bash', [join(ROOT, 'infra', 'kafka', 'start.sh')], { cwd: ROOT, stdio: 'inherit' });
  if (started.status !== 0) log(`Kafka did not start (exit ${started.status ?? started.signal}); scenarios that need it will fail`);
};

/** Loads and runs one scenario; whatever goes wrong becomes its outcome, never the run's end. */
const runScenario = async (id: string, context: Omit<BenchContext, 'log'>): Promise<ScenarioOutcome> => {
  const loadBefore = loadAverage()[0]!;
  const started = performance.now();
  const outcome = (status: ScenarioOutcome['status'], extra: Partial<ScenarioOutcome>): ScenarioOutcome => ({
    id,
    status,
    seconds: (performance.now() - started) / 1000,
    loadBefore,
    loadAfter: loadAverage()[0]!,
    ...extra,
  });
  const file = join(__dirname, 'scenarios', `${id}.ts`);
  if (!existsSync(file)) return outcome('not available', { error: `no ${relative(ROOT, file)} in this checkout` });
  let run: Scenario;
  try {
    const loaded = (await import(file)) as { run?: unknown };
    if (typeof loaded.run !== 'function') return outcome('not available', { error: `${relative(ROOT, file)} exports no \`run\`` });
    run = loaded.run as Scenario;
  } catch (error) {
    return outcome('failed', { error: `loading ${relative(ROOT, file)} failed: ${describe(error)}` });
  }
  try {
    const prefixed = (line: string) => (line.startsWith(`${id}:`) ? line : `${id}: ${line}`);
    // A scenario that hangs must not hold the others back: past its time it is reported as failed
    // and the run goes on (what it left running ends with the process).
    const limitMs = scenarioTimeoutMs(context.scale);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${limitMs / 1000} s (BENCH_SCENARIO_TIMEOUT_S)`)), limitMs);
    });
    const result: ScenarioResult = await Promise.race([run({ ...context, log: (line) => log(prefixed(line)) }), timeout]).finally(() => clearTimeout(timer));
    const problem = invalid(result, id);
    if (problem) return outcome('failed', { error: `its result is malformed: ${problem}` });
    return outcome('ok', { result });
  } catch (error) {
    return outcome('failed', { error: `it threw: ${describe(error)}` });
  }
};

/** 30 minutes at full scale, 5 at least; BENCH_SCENARIO_TIMEOUT_S sets it. */
const scenarioTimeoutMs = (scale: number): number =>
  process.env.BENCH_SCENARIO_TIMEOUT_S ? Number(process.env.BENCH_SCENARIO_TIMEOUT_S) * 1000 : Math.max(5 * 60_000, Math.round(30 * 60_000 * scale));

const describe = (error: unknown): string => {
  if (!(error instanceof Error)) return String(error);
  // The first frame of Zan's own code says more than a driver's internals.
  const frames = error.stack?.split('\n').filter((line) => line.trim().startsWith('at ')) ?? [];
  const where = (frames.find((line) => !line.includes('node_modules') && !line.includes('node:')) ?? frames[0])?.trim();
  return `${error.name}: ${error.message}${where ? ` (${where})` : ''}`;
};

/** The shape the report relies on; a scenario that returns something else is a failed scenario. */
const invalid = (result: ScenarioResult, id: string): string | undefined => {
  if (!result || typeof result !== 'object') return 'not an object';
  if (result.id !== id) return `id ${JSON.stringify(result.id)} instead of ${JSON.stringify(id)}`;
  for (const list of ['figures', 'baselines', 'checks', 'notes'] as const) if (!Array.isArray(result[list])) return `no ${list} array`;
  const bad = [...result.figures, ...result.baselines].find((item) => typeof item.value !== 'number' || typeof item.key !== 'string');
  return bad ? `figure or baseline without a numeric value: ${JSON.stringify(bad)}` : undefined;
};

const main = async (): Promise<number> => {
  Logger.overrideLogger(['error', 'fatal']);
  const ids = parseArguments(process.argv.slice(2));
  const quick = !!process.env.BENCH_QUICK && process.env.BENCH_QUICK !== '0';
  const scale = quick ? 0.1 : Number(process.env.BENCH_SCALE ?? 1);
  if (!(scale > 0)) throw new Error(`BENCH_SCALE must be a positive number, not ${process.env.BENCH_SCALE}`);
  const date = new Date().toISOString();
  const commit = currentCommit();
  log(`scenarios: ${ids.join(', ')}; scale ${scale}${quick ? ' (BENCH_QUICK)' : ''}; commit ${commit.sha}${commit.dirty ? ' (+ uncommitted changes)' : ''}`);

  const strayErrors: string[] = [];
  // A scenario's stray promise must not end the run (Node's default for an unhandled rejection).
  process.on('unhandledRejection', (reason) => {
    strayErrors.push(describe(reason));
    log(`unhandled rejection (recorded in the report): ${describe(reason)}`);
  });

  startKafka();
  const env = benchEnv();
  const machine = await describeMachine(serversOf({ env }));
  log(
    `machine: ${machine.cores} cores (${machine.cpu}), ${machine.ramGiB} GiB, Node ${machine.node}, PostgreSQL ${machine.postgres}, Redis ${machine.redis}, Kafka ${machine.kafka}`,
  );
  const loadBefore = loadAverage();
  log(`load average before: ${loadBefore.join(' ')}`);

  const scenarios: ScenarioOutcome[] = [];
  for (const [i, id] of ids.entries()) {
    log(`== ${id} (${i + 1}/${ids.length}) ==`);
    const outcome = await runScenario(id, { env: { ...env }, scale });
    scenarios.push(outcome);
    const summary = outcome.result ? outcome.result.figures.map((f) => `${f.key}=${f.value}`).join(', ') : outcome.error;
    log(`== ${id}: ${outcome.status} in ${outcome.seconds.toFixed(1)} s; ${summary}`);
  }

  const record: RunRecord = { date, commit, quick, scale, machine, load: { before: loadBefore, after: loadAverage() }, scenarios, strayErrors };
  mkdirSync(RESULTS, { recursive: true });
  const base = `${date.slice(0, 19).replace(/:/g, '-')}Z-${commit.sha}${quick ? '-quick' : ''}`;
  const historyFile = join(RESULTS, 'history.jsonl');
  writeFileSync(join(RESULTS, `${base}.svg`), renderChart(record));
  if (quick) {
    // A smoke run of the suite: its own -quick files (git ignores them); the history and latest.* keep
    // only full runs, so a quick run can never slip into the figures kept across commits.
    writeFileSync(join(RESULTS, `${base}.md`), renderReport(record, readHistory(historyFile), `${base}.svg`));
    log(`report: ${relative(ROOT, join(RESULTS, `${base}.md`))} (and .svg; a quick run leaves the history and latest.* alone)`);
  } else {
    appendHistory(historyFile, historyEntry(record));
    writeFileSync(join(RESULTS, `${base}.md`), renderReport(record, readHistory(historyFile), `${base}.svg`));
    copyFileSync(join(RESULTS, `${base}.svg`), join(RESULTS, 'latest.svg'));
    // latest.md points at latest.svg, so the pair stays together when the next run overwrites both.
    writeFileSync(join(RESULTS, 'latest.md'), renderReport(record, readHistory(historyFile), 'latest.svg'));
    log(`report: ${relative(ROOT, join(RESULTS, `${base}.md`))} (and .svg, latest.md, latest.svg); history: ${relative(ROOT, historyFile)}`);
  }
  log(`load average after: ${record.load.after.join(' ')}`);

  const failed = runFailed(record);
  for (const outcome of scenarios) {
    const badChecks = outcome.result?.checks.filter((c) => !c.ok).map((c) => c.label) ?? [];
    if (outcome.status !== 'ok') log(`FAILED ${outcome.id}: ${outcome.status}: ${outcome.error}`);
    else if (badChecks.length > 0) log(`FAILED ${outcome.id}: checks did not hold: ${badChecks.join('; ')}`);
  }
  return failed ? 1 : 0;
};

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
