import { parseIsoDate, parseIsoInstant, parsePosition } from '@zan/contracts';

/**
 * Parsers for option values. They throw errors commander reports as "option '--x <v>' argument
 * 'y' is invalid. <why>", so a bad value is a usage error (exit 2) with no stack trace.
 */
export class InvalidOptionValue extends Error {
  readonly code = 'commander.invalidArgument';
  readonly exitCode = 2;
}

export const parsePositionOption = (text: string): bigint => {
  const position = parsePosition(text);
  if (position === undefined) throw new InvalidOptionValue('a position is a non-negative decimal integer, as commands answer it.');
  return position;
};

/** An ISO 8601 instant with a zone (2026-01-01T08:00:00+08:00), or a date (UTC midnight); strict calendar. */
export const parseTimeOption = (text: string): Date => {
  const date = parseIsoDate(text) ?? parseIsoInstant(text);
  if (date) return date;
  if (/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/i.test(text))
    throw new InvalidOptionValue('not a real date or time (the calendar has no such day, or the clock no such minute).');
  throw new InvalidOptionValue('use an ISO 8601 time with a zone (2026-01-31T08:00:00Z, 2026-01-31T16:00+08:00) or a date (2026-01-31, UTC).');
};

/** A moment in the past: a position (digits only) or a time. */
export type Moment = { position: bigint } | { time: Date };

export const parseMomentOption = (text: string): Moment => (/^\d+$/.test(text) ? { position: parsePositionOption(text) } : { time: parseTimeOption(text) });

export const parseIntOption =
  (min: number, max: number) =>
  (text: string): number => {
    const value = /^\d+$/.test(text) ? Number(text) : NaN;
    if (!Number.isSafeInteger(value) || value < min || value > max) throw new InvalidOptionValue(`expected an integer from ${min} to ${max}.`);
    return value;
  };

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** 90, 90s, 15m, 1h, 7d -> seconds. */
export const parseDurationOption = (text: string): number => {
  const match = /^(\d+)([smhd]?)$/.exec(text);
  const seconds = match ? Number(match[1]) * UNITS[match[2] || 's'] : NaN;
  if (!Number.isSafeInteger(seconds) || seconds < 1) throw new InvalidOptionValue('use a duration such as 90s, 15m, 1h or 7d.');
  return seconds;
};

/** For repeatable options (--type A --type B) and comma lists (--type A,B). */
export const collect = (value: string, previous: string[] | undefined): string[] => [
  ...(previous ?? []),
  ...value
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v.length > 0),
];

/** nest-commander replaces commander's own choice check with the option's parser: check here. */
export const parseChoice =
  <T extends string>(choices: readonly T[]) =>
  (text: string): T => {
    if (!(choices as readonly string[]).includes(text)) throw new InvalidOptionValue(`allowed: ${choices.join(', ')}.`);
    return text as T;
  };
