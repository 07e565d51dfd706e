/**
 * The run's chart as hand-written SVG: throughput figures beside their baselines, then latency
 * percentiles per scenario. Horizontal bars on log scales, because one run spans a few hundred
 * appends/s to tens of thousands of Redis writes/s and sub-millisecond to second latencies.
 */
import { formatRatio, formatTick, formatValue, isThroughput, ratio } from './format';
import type { RunRecord } from './run-record';
import type { Figure } from './types';

const WIDTH = 1100;
const LABEL_X = 12;
const BAR_X = 440;
const BAR_WIDTH = 380;
const ROW = 20;
const FONT = 'font-family="system-ui, -apple-system, Segoe UI, sans-serif"';
const COLORS = { zan: '#2563eb', physical: '#9ca3af', naive: '#f59e0b', peer: '#8b5cf6', p50: '#10b981', p99: '#f59e0b', p999: '#ef4444' };

type Row =
  { kind: 'header'; text: string } | { kind: 'bar'; label: string; value: number; unit: Figure['unit']; color: string; note?: string; indent?: boolean };

export const escapeXml = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const truncate = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** A log10 scale over the powers of ten around the values. */
const logScale = (values: number[]) => {
  const positive = values.filter((v) => v > 0 && Number.isFinite(v));
  // One decade below the smallest value, so the smallest bar is still seen.
  const lo = 10 ** (Math.ceil(Math.log10(positive.length ? Math.min(...positive) : 10)) - 1);
  let hi = 10 ** Math.ceil(Math.log10(positive.length ? Math.max(...positive) : 10));
  if (hi <= lo) hi = lo * 10;
  const span = Math.log10(hi) - Math.log10(lo);
  const ticks: number[] = [];
  for (let t = lo; t <= hi * 1.0001; t *= 10) ticks.push(Number(t.toPrecision(1)));
  return { x: (v: number) => (v > 0 ? BAR_X + ((Math.log10(Math.max(v, lo)) - Math.log10(lo)) / span) * BAR_WIDTH : BAR_X), ticks };
};

/** One panel: a title, gridlines with tick labels, then its rows. Returns the SVG and its height. */
const panel = (title: string, rows: Row[], top: number, axisUnit: string): { svg: string; height: number } => {
  const parts: string[] = [`<text x="${LABEL_X}" y="${top + 16}" font-size="15" font-weight="600" ${FONT}>${escapeXml(title)}</text>`];
  if (rows.length === 0) {
    parts.push(`<text x="${LABEL_X}" y="${top + 40}" font-size="12" fill="#6b7280" ${FONT}>no figures in this run</text>`);
    return { svg: parts.join('\n'), height: 56 };
  }
  const scale = logScale(rows.flatMap((row) => (row.kind === 'bar' ? [row.value] : [])));
  const gridTop = top + 26;
  const height = 26 + rows.length * ROW + 24;
  for (const tick of scale.ticks) {
    const x = scale.x(tick).toFixed(1);
    parts.push(`<line x1="${x}" y1="${gridTop}" x2="${x}" y2="${top + height - 20}" stroke="#e5e7eb"/>`);
    parts.push(`<text x="${x}" y="${top + height - 6}" font-size="10" fill="#6b7280" text-anchor="middle" ${FONT}>${formatTick(tick)}</text>`);
  }
  parts.push(
    `<text x="${BAR_X - 12}" y="${top + height - 6}" font-size="10" fill="#6b7280" text-anchor="end" ${FONT}>${escapeXml(axisUnit)}, log scale</text>`,
  );
  rows.forEach((row, i) => {
    const y = gridTop + i * ROW;
    if (row.kind === 'header') {
      parts.push(`<text x="${LABEL_X}" y="${y + 14}" font-size="12" font-weight="600" ${FONT}>${escapeXml(truncate(row.text, 80))}</text>`);
      return;
    }
    const end = scale.x(row.value);
    const label = `${row.indent ? '   ' : ''}${row.label}`;
    parts.push(
      `<g><title>${escapeXml(`${row.label}: ${formatValue(row.value, row.unit)}${row.note ? ` (${row.note})` : ''}`)}</title>`,
      `<text x="${LABEL_X + (row.indent ? 14 : 0)}" y="${y + 14}" font-size="11" fill="${row.indent ? '#4b5563' : '#111827'}" ${FONT}>${escapeXml(truncate(label, row.indent ? 70 : 72))}</text>`,
      `<rect x="${BAR_X}" y="${y + 3}" width="${Math.max(1, end - BAR_X).toFixed(1)}" height="${ROW - 6}" fill="${row.color}" rx="2"/>`,
      `<text x="${(end + 4).toFixed(1)}" y="${y + 14}" font-size="11" ${FONT}>${escapeXml(formatValue(row.value, row.unit))}${row.note ? ` <tspan fill="#6b7280">${escapeXml(row.note)}</tspan>` : ''}</text></g>`,
    );
  });
  return { svg: parts.join('\n'), height };
};

export const renderChart = (record: RunRecord): string => {
  const throughput: Row[] = [];
  const latency: Row[] = [];
  for (const outcome of record.scenarios) {
    const result = outcome.result;
    if (!result) continue;
    const figures = result.figures.filter(isThroughput);
    if (figures.length > 0) throughput.push({ kind: 'header', text: `${result.id}: ${result.title}` });
    for (const figure of figures) {
      throughput.push({ kind: 'bar', label: figure.label, value: figure.value, unit: figure.unit, color: COLORS.zan });
      for (const baseline of result.baselines.filter((b) => b.compares === figure.key)) {
        throughput.push({
          kind: 'bar',
          label: baseline.label,
          value: baseline.value,
          unit: baseline.unit,
          color: COLORS[baseline.kind],
          note: `Zan = ${formatRatio(ratio(figure, baseline))} this`,
          indent: true,
        });
      }
    }
    if (result.latency) {
      const { label, p50, p99, p999 } = result.latency;
      latency.push({ kind: 'header', text: `${result.id}: ${label}` });
      latency.push({ kind: 'bar', label: 'p50', value: p50, unit: 'ms', color: COLORS.p50, indent: true });
      latency.push({ kind: 'bar', label: 'p99', value: p99, unit: 'ms', color: COLORS.p99, indent: true });
      if (p999 !== undefined) latency.push({ kind: 'bar', label: 'p99.9', value: p999, unit: 'ms', color: COLORS.p999, indent: true });
    }
  }

  const missing = record.scenarios.filter((s) => s.status !== 'ok').map((s) => `${s.id} (${s.status})`);
  const title = `Zan bench · ${record.date.slice(0, 16).replace('T', ' ')} UTC · ${record.commit.sha}${record.commit.dirty ? '+' : ''}${record.quick ? ' · QUICK RUN (indicative only)' : ''}`;
  const subtitle = `${record.machine.cores} cores (${record.machine.cpu}), load ${record.load.before[0]} → ${record.load.after[0]}${missing.length ? ` · not measured: ${missing.join(', ')}` : ''}`;
  const legend = [
    ['Zan', COLORS.zan],
    ['physical baseline', COLORS.physical],
    ['naive baseline', COLORS.naive],
    ['peer event store', COLORS.peer],
  ]
    .map(
      ([name, color], i) =>
        `<rect x="${LABEL_X + i * 150}" y="52" width="12" height="12" fill="${color}"/><text x="${LABEL_X + 18 + i * 150}" y="62" font-size="11" ${FONT}>${name}</text>`,
    )
    .join('\n');

  let top = 76;
  const first = panel('Throughput beside baselines', throughput, top, 'per second');
  top += first.height + 16;
  const second = panel('Latency percentiles', latency, top, 'ms');
  const height = top + second.height + 12;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="${LABEL_X}" y="22" font-size="17" font-weight="700" fill="${record.quick ? '#b91c1c' : '#111827'}" ${FONT}>${escapeXml(title)}</text>`,
    `<text x="${LABEL_X}" y="42" font-size="11" fill="#4b5563" ${FONT}>${escapeXml(truncate(subtitle, 160))}</text>`,
    legend,
    first.svg,
    second.svg,
    '</svg>',
    '',
  ].join('\n');
};
