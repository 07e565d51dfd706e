import { escapeXml, renderChart } from './chart';
import { formatRatio, formatValue } from './format';
import { historyEntry } from './history';
import { renderReport } from './report';
import { runFailed, type RunRecord } from './run-record';

const record = (overrides: Partial<RunRecord> = {}): RunRecord => ({
  date: '2026-11-25T18:00:00.000Z',
  commit: { sha: 'abc1234', dirty: false },
  quick: false,
  scale: 1,
  machine: {
    cpu: 'Test CPU',
    cores: 2,
    ramGiB: 4,
    node: 'v20',
    postgres: '15',
    postgresSettings: 'synchronous_commit=on, fsync=on',
    redis: '7',
    kafka: '3.9.2',
  },
  load: { before: [1, 1, 1], after: [2, 2, 2] },
  strayErrors: [],
  scenarios: [
    {
      id: 'append',
      status: 'ok',
      seconds: 10,
      loadBefore: 1,
      loadAfter: 2,
      result: {
        id: 'append',
        title: 'Appends <&>',
        setup: 'one | two',
        figures: [
          { key: 'appends_per_s', label: 'appends/s', value: 500, unit: 'events/s', better: 'higher', target: 1000 },
          { key: 'p99_ms', label: 'p99', value: 4.2, unit: 'ms', better: 'lower', target: 50 },
        ],
        baselines: [{ key: 'pg_single', label: 'raw inserts', kind: 'physical', value: 2000, unit: 'events/s', compares: 'appends_per_s' }],
        checks: [{ label: 'rows match', ok: true }],
        notes: ['a note'],
        latency: { label: 'append', p50: 1, p99: 4.2, p999: 9 },
      },
    },
    { id: 'replay', status: 'not available', error: 'no bench/scenarios/replay.ts', seconds: 0, loadBefore: 1, loadAfter: 1 },
  ],
  ...overrides,
});

describe('report', () => {
  it('shows each figure beside its baseline with the ratio, and the target met or missed', () => {
    const md = renderReport(record(), [historyEntry(record())], 'chart.svg');
    expect(md).toContain('| append | appends/s | **500 events/s** | ≥ 1,000 events/s: **missed** | pg_single: 2,000 events/s | 0.25× |');
    expect(md).toContain('≤ 50.0 ms: met');
    expect(md).toContain('### replay: not available');
    expect(md).toContain('**Setup.** one | two');
    expect(md).toContain('![throughput beside baselines, and latency percentiles](chart.svg)');
    expect(md).not.toContain('QUICK');
  });

  it('marks a quick run in the title, the report and the history line', () => {
    const quick = record({ quick: true, scale: 0.1 });
    expect(renderReport(quick, [], 'c.svg')).toContain('(QUICK RUN)');
    expect(historyEntry(quick)).toMatchObject({
      quick: true,
      scale: 0.1,
      scenarios: { append: { figures: { appends_per_s: 500 }, baselines: { pg_single: 2000 } } },
    });
    expect(renderChart(quick)).toContain('QUICK RUN');
  });

  it("leaves quick runs out of a full run's history, and keeps them in a quick one's", () => {
    const history = [historyEntry(record({ quick: true, scale: 0.1, commit: { sha: 'quick01', dirty: false } })), historyEntry(record())];
    const full = renderReport(record(), history, 'c.svg');
    expect(full).not.toContain('quick01');
    expect(full).toContain('1 quick run left out');
    expect(renderReport(record({ quick: true, scale: 0.1 }), history, 'c.svg')).toContain('| quick01 | quick |');
  });

  it('fails the run when a scenario is missing or a check does not hold', () => {
    expect(runFailed(record())).toBe(true);
    const onlyAppend = record();
    onlyAppend.scenarios = onlyAppend.scenarios.slice(0, 1);
    expect(runFailed(onlyAppend)).toBe(false);
    onlyAppend.scenarios[0]!.result!.checks.push({ label: 'broken', ok: false });
    expect(runFailed(onlyAppend)).toBe(true);
  });
});

describe('chart', () => {
  it('is one well-formed SVG with the labels escaped', () => {
    const svg = renderChart(record());
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('Appends &lt;&amp;&gt;');
    expect(svg).not.toMatch(/<&>/);
    expect(svg).toContain('Zan = 0.25× this');
    expect(svg.match(/<svg/g)).toHaveLength(1);
    expect(escapeXml('"a" & <b>')).toBe('&quot;a&quot; &amp; &lt;b&gt;');
  });
});

describe('format', () => {
  it('writes values as people read them', () => {
    expect(formatValue(12345.4, 'events/s')).toBe('12,345 events/s');
    expect(formatValue(3.214, 'ms')).toBe('3.21 ms');
    expect(formatValue(250.4, 'ms')).toBe('250 ms');
    expect(formatValue(1234, 'count')).toBe('1,234');
    expect(formatRatio(0.4234)).toBe('0.42×');
    expect(formatRatio(12.3)).toBe('12×');
    expect(formatRatio(undefined)).toBe('n/a');
  });
});
