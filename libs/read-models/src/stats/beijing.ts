/**
 * Beijing time (UTC+8, no daylight saving) for the aggregates: an event counts on the Beijing day and
 * hour of its occurredAt. Days are `YYYY-MM-DD`, hours `YYYY-MM-DDTHH`, both in Beijing time.
 */
const BEIJING_OFFSET_MS = 8 * 3_600_000;
const DAY_MS = 86_400_000;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A Beijing wall clock to the minute, and its day, hour and minute (each text made once). */
export interface BeijingClock {
  /** `YYYY-MM-DDTHH:MM` */
  readonly clock: string;
  /** `YYYY-MM-DD` */
  readonly day: string;
  /** `YYYY-MM-DDTHH` */
  readonly hour: string;
  /** `00`..`59` */
  readonly minute: string;
}

/**
 * Minutes converted, by their UTC text up to the minute (`2026-12-06T08:30`): a rebuild's events
 * fall in a few tens of thousands of minutes (43,200 a month), each asked for its day, hour and
 * minute by several projections. Only set from a text that parsed and ends as toISOString's texts
 * end (the event stores write those); emptied when full.
 */
const MINUTES_KEPT = 100_000;
const minutes = new Map<string, BeijingClock>();

const isDigit = (code: number): boolean => code >= 48 && code <= 57;

/**
 * True when `at` ends the way toISOString ends a text after its minute: `:SS.mmmZ`, seconds 00..59.
 * Given the first 16 characters of a canonical text that parsed, such a text is in that same minute.
 */
const hasCanonicalTail = (at: string): boolean =>
  at.length === 24 &&
  at.charCodeAt(16) === 58 /* : */ &&
  at.charCodeAt(17) >= 48 &&
  at.charCodeAt(17) <= 53 /* 0..5 */ &&
  isDigit(at.charCodeAt(18)) &&
  at.charCodeAt(19) === 46 /* . */ &&
  isDigit(at.charCodeAt(20)) &&
  isDigit(at.charCodeAt(21)) &&
  isDigit(at.charCodeAt(22)) &&
  at.charCodeAt(23) === 90; /* Z */

const partsOf = (clock: string): BeijingClock => ({ clock, day: clock.slice(0, 10), hour: clock.slice(0, 13), minute: clock.slice(14, 16) });

/**
 * `2026-12-06T08:30:00.000Z` -> `2026-12-06T16:30` and its parts (Beijing wall clock, to the minute).
 * For texts of one minute, the same object (no parse, no new text).
 */
export const beijingClockOf = (at: string | Date): BeijingClock => {
  const canonical = typeof at === 'string' && hasCanonicalTail(at);
  const utcMinute = canonical ? at.slice(0, 16) : undefined;
  if (utcMinute !== undefined) {
    const known = minutes.get(utcMinute);
    if (known !== undefined) return known;
  }
  const ms = typeof at === 'string' ? Date.parse(at) : at.getTime();
  if (Number.isNaN(ms)) throw new RangeError(`not a time: ${String(at)}`);
  const parts = partsOf(new Date(ms + BEIJING_OFFSET_MS).toISOString().slice(0, 16));
  if (utcMinute !== undefined) {
    if (minutes.size >= MINUTES_KEPT) minutes.clear();
    minutes.set(utcMinute, parts);
  }
  return parts;
};

export const beijingDay = (at: string | Date): string => beijingClockOf(at).day;
export const beijingHour = (at: string | Date): string => beijingClockOf(at).hour;
/** The minute of the hour, `00`..`59`. */
export const beijingMinute = (at: string | Date): string => beijingClockOf(at).minute;

/** True for a real calendar day written `YYYY-MM-DD`. */
export const isBeijingDay = (text: string): boolean => {
  const match = DAY.exec(text);
  if (!match) return false;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return date.toISOString().slice(0, 10) === text && Number(match[1]) >= 1970;
};

export class InvalidStatsRange extends Error {
  override readonly name = 'InvalidStatsRange';
}

/** Every day from `from` to `to`, both included; refuses a bad day, a reversed range or more than `maxDays`. */
export const daysBetween = (from: string, to: string, maxDays: number): string[] => {
  if (!isBeijingDay(from) || !isBeijingDay(to)) throw new InvalidStatsRange(`days are YYYY-MM-DD: ${from}, ${to}`);
  const start = Date.parse(`${from}T00:00:00Z`);
  const end = Date.parse(`${to}T00:00:00Z`);
  if (end < start) throw new InvalidStatsRange(`${to} is before ${from}`);
  const count = (end - start) / DAY_MS + 1;
  if (count > maxDays) throw new InvalidStatsRange(`at most ${maxDays} days, not ${count}`);
  return Array.from({ length: count }, (_, i) => new Date(start + i * DAY_MS).toISOString().slice(0, 10));
};

/** The 24 hours of each day, `YYYY-MM-DDTHH`. */
export const hoursOf = (days: string[]): string[] => days.flatMap((day) => Array.from({ length: 24 }, (_, h) => `${day}T${String(h).padStart(2, '0')}`));

/** The Beijing hours whose minutes make up the last hour before `now`, oldest first (two hours). */
export const lastHourBuckets = (now: Date): { hours: [string, string]; minutes: string[] } => {
  const minutes: string[] = [];
  for (let i = 59; i >= 0; i--) minutes.push(beijingClockOf(new Date(now.getTime() - i * 60_000)).clock);
  return { hours: [beijingHour(new Date(now.getTime() - 3_600_000)), beijingHour(now)], minutes };
};
