/** The run's Markdown report: the machine, each scenario's setup, figures, baselines, checks and notes, and the history. */
import { formatRatio, formatValue, ratio, targetMet } from './format';
import type { HistoryEntry } from './history';
import type { RunRecord, ScenarioOutcome } from './run-record';
import type { Figure, ScenarioResult } from './types';

/** Rows of history shown per scenario: the latest runs, this one included. */
const HISTORY_ROWS = 12;

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const table = (head: string[], rows: string[][]): string[] => [
  `| ${head.map(cell).join(' | ')} |`,
  `|${head.map(() => '---').join('|')}|`,
  ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
];

export const renderReport = (record: RunRecord, history: HistoryEntry[], chartFile: string): string => {
  const { machine, commit } = record;
  const lines: string[] = [];
  lines.push(`# Zan benchmark: ${record.date.slice(0, 19).replace('T', ' ')} UTC, commit ${commit.sha}${record.quick ? ' (QUICK RUN)' : ''}`, '');
  if (record.quick) {
    lines.push(
      `> **Quick run** (BENCH_QUICK=1, scale ${record.scale}): every phase is cut to a tenth or to its floor of one second.`,
      '> The figures are a smoke test of the suite, not measurements to compare with full runs.',
      '',
    );
  } else if (record.scale !== 1) {
    lines.push(`> Run at scale ${record.scale} (BENCH_SCALE): phases shortened or lengthened accordingly.`, '');
  }
  const ok = record.scenarios.filter((s) => s.status === 'ok').length;
  lines.push(
    `${ok} of ${record.scenarios.length} scenarios measured` +
      (ok < record.scenarios.length
        ? ` (${record.scenarios
            .filter((s) => s.status !== 'ok')
            .map((s) => `${s.id}: ${s.status}`)
            .join(', ')})`
        : '') +
      ". Every throughput is shown beside baselines measured in the same run on the same machine; the ratio is Zan's figure divided by the baseline (above 1 is better for a throughput, below 1 for a time or a latency).",
    '',
  );

  lines.push('## Machine', '');
  lines.push(
    ...table(
      ['', ''],
      [
        ['CPU', `${machine.cpu}, ${machine.cores} cores`],
        ['RAM', `${machine.ramGiB} GiB`],
        ['Node', machine.node],
        ['PostgreSQL', `${machine.postgres}${machine.postgresSettings ? ` (${machine.postgresSettings})` : ''}`],
        ['Redis', machine.redis],
        ['Kafka', machine.kafka],
        ['Load average (1, 5, 15 min)', `before ${record.load.before.join(' ')}, after ${record.load.after.join(' ')}`],
        ['Commit', `${commit.sha}${commit.dirty ? ' with uncommitted changes in the working tree' : ''}`],
        ['Scale', `${record.scale}${record.quick ? ' (quick run)' : ''}`],
      ],
    ),
    '',
    'PostgreSQL, Redis and Kafka run on the same cores as the benchmark and Zan.',
    '',
  );

  lines.push(`![throughput beside baselines, and latency percentiles](${chartFile})`, '');

  lines.push('## Summary', '');
  const summary: string[][] = [];
  for (const outcome of record.scenarios) {
    if (!outcome.result) {
      summary.push([outcome.id, outcome.status, '', '', '', '']);
      continue;
    }
    for (const figure of outcome.result.figures) {
      const baselines = outcome.result.baselines.filter((b) => b.compares === figure.key);
      summary.push([
        outcome.id,
        figure.label,
        `**${formatValue(figure.value, figure.unit)}**`,
        targetText(figure),
        baselines.map((b) => `${b.key}: ${formatValue(b.value, b.unit)}`).join('; '),
        baselines.map((b) => formatRatio(ratio(figure, b))).join('; '),
      ]);
    }
  }
  lines.push(...table(['scenario', 'figure', 'value', 'target', 'baselines', 'ratio'], summary), '');

  lines.push('## Scenarios', '');
  for (const outcome of record.scenarios) lines.push(...scenarioSection(outcome), '');

  if (record.strayErrors.length > 0) {
    lines.push('## Errors nobody awaited', '', ...record.strayErrors.map((error) => `- ${cell(error)}`), '');
  }

  lines.push('## History', '');
  // A full run's history leaves quick runs out: their figures are not comparable with full ones.
  const shown = record.quick ? history : history.filter((entry) => !entry.quick);
  const omitted = history.length - shown.length;
  lines.push(
    `Key figures of the latest runs (bench/results/history.jsonl), this one last. ` +
      (record.quick
        ? 'Quick runs are marked "quick" and are not comparable with full ones.'
        : `Full runs only${omitted ? ` (${omitted} quick run${omitted === 1 ? '' : 's'} left out)` : ''}.`) +
      ' Runs at very different loads are not comparable either.',
    '',
  );
  for (const outcome of record.scenarios) lines.push(...historySection(outcome, shown), '');
  return `${lines
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trimEnd()}\n`;
};

const targetText = (figure: Figure): string => {
  const met = targetMet(figure);
  if (met === undefined) return '';
  return `${figure.better === 'higher' ? '≥' : '≤'} ${formatValue(figure.target!, figure.unit)}: ${met ? 'met' : '**missed**'}`;
};

const scenarioSection = (outcome: ScenarioOutcome): string[] => {
  const timing = `${outcome.seconds.toFixed(0)} s, load ${outcome.loadBefore} → ${outcome.loadAfter}`;
  if (!outcome.result) return [`### ${outcome.id}: ${outcome.status}`, '', `${outcome.error ?? ''} (${timing})`];
  const result: ScenarioResult = outcome.result;
  const lines = [`### ${result.id}: ${result.title}`, '', `*${timing}.*`, '', `**Setup.** ${result.setup}`, ''];
  lines.push(
    ...table(
      ['figure', 'value', 'target'],
      result.figures.map((f) => [`${f.label} (\`${f.key}\`)`, formatValue(f.value, f.unit), targetText(f) || '—']),
    ),
    '',
  );
  if (result.baselines.length > 0) {
    lines.push(
      ...table(
        ['baseline', 'kind', 'value', 'compared with', 'ratio'],
        result.baselines.map((b) => {
          const figure = result.figures.find((f) => f.key === b.compares);
          return [`${b.label} (\`${b.key}\`)`, b.kind, formatValue(b.value, b.unit), `\`${b.compares}\``, figure ? formatRatio(ratio(figure, b)) : 'n/a'];
        }),
      ),
      '',
    );
  }
  if (result.latency) {
    const { label, p50, p99, p999 } = result.latency;
    lines.push(
      `**Latency** (${label}): p50 ${formatValue(p50, 'ms')}, p99 ${formatValue(p99, 'ms')}${p999 === undefined ? '' : `, p99.9 ${formatValue(p999, 'ms')}`}.`,
      '',
    );
  }
  if (result.checks.length > 0) {
    lines.push('**Checks.**', '', ...result.checks.map((c) => `- ${c.ok ? '✅' : '❌ **failed**:'} ${c.label}${c.detail ? ` (${c.detail})` : ''}`), '');
  }
  if (result.notes.length > 0) lines.push('**Notes.**', '', ...result.notes.map((note) => `- ${note}`));
  return lines;
};

const historySection = (outcome: ScenarioOutcome, history: HistoryEntry[]): string[] => {
  const runs = history.filter((entry) => entry.scenarios[outcome.id]).slice(-HISTORY_ROWS);
  if (runs.length === 0) return [];
  // This run's figures first, then any a previous run had that this one no longer reports.
  const keys = [...(outcome.result?.figures.map((f) => f.key) ?? [])];
  for (const entry of runs) for (const key of Object.keys(entry.scenarios[outcome.id]!.figures)) if (!keys.includes(key)) keys.push(key);
  const units = new Map(outcome.result?.figures.map((f) => [f.key, f.unit]));
  const rows = runs.map((entry) => {
    const scenario = entry.scenarios[outcome.id]!;
    return [
      entry.date.slice(0, 16).replace('T', ' '),
      `${entry.commit}${entry.dirty ? '+' : ''}`,
      entry.quick ? 'quick' : entry.scale === 1 ? 'full' : `scale ${entry.scale}`,
      String(entry.load.before[0] ?? ''),
      scenario.failedChecks ? `${scenario.status}, ${scenario.failedChecks} check${scenario.failedChecks === 1 ? '' : 's'} failed` : scenario.status,
      ...keys.map((key) => (scenario.figures[key] === undefined ? '' : formatValue(scenario.figures[key]!, units.get(key) ?? 'count'))),
    ];
  });
  return [`**${outcome.id}**`, '', ...table(['date (UTC)', 'commit', 'run', 'load', 'status', ...keys.map((k) => `\`${k}\``)], rows)];
};
