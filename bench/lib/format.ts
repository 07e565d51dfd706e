import type { Baseline, Figure } from './types';

/** A figure's value with its unit, as people read it: 12,345 events/s, 3.21 ms, 4.5 %. */
export const formatValue = (value: number, unit: Figure['unit']): string => {
  if (!Number.isFinite(value)) return `n/a ${unit}`;
  switch (unit) {
    case 'ms':
      return `${value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : Math.round(value).toLocaleString('en-US')} ms`;
    case 's':
      return `${value < 10 ? value.toFixed(2) : value.toFixed(1)} s`;
    case '%':
      return `${value.toFixed(1)} %`;
    case 'count':
      return Math.round(value).toLocaleString('en-US');
    default:
      return `${Math.round(value).toLocaleString('en-US')} ${unit}`;
  }
};

/** Short axis labels for a log scale: 0.1, 1, 10, 100, 1k, 10k, 1M. */
export const formatTick = (value: number): string => {
  if (value >= 1e6) return `${value / 1e6}M`;
  if (value >= 1e3) return `${value / 1e3}k`;
  return String(Number(value.toPrecision(3)));
};

/** The figure as a multiple of its baseline (figure / baseline), e.g. `0.42×`; undefined when it means nothing. */
export const ratio = (figure: Pick<Figure, 'value'>, baseline: Pick<Baseline, 'value'>): number | undefined =>
  baseline.value > 0 && Number.isFinite(figure.value) ? figure.value / baseline.value : undefined;

export const formatRatio = (value: number | undefined): string => {
  if (value === undefined) return 'n/a';
  return `${value >= 10 ? value.toFixed(0) : value >= 1 ? value.toFixed(1) : value.toFixed(2)}×`;
};

/** Met or missed, for a figure with a target. */
export const targetMet = (figure: Figure): boolean | undefined =>
  figure.target === undefined ? undefined : figure.better === 'higher' ? figure.value >= figure.target : figure.value <= figure.target;

export const isThroughput = (figure: Pick<Figure, 'unit'>): boolean => figure.unit === 'ops/s' || figure.unit === 'events/s';
