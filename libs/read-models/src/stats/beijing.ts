/**
 * Beijing time (UTC+8, no daylight saving) for the aggregates: an event counts on the Beijing day and
 * hour of its occurredAt. Days are `YYYY-MM-DD`, hours `YYYY-MM-DDTHH`, both in Beijing time.
 */
const BEIJING_OFFSET_MS = 8 * 3_600_000;
const DAY_MS = 86_400_000;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A Beijing hour: its day and hour texts, made once per hour of history. */
export interface BeijingHour {
  /** `YYYY-MM-DD` */
  readonly day: string;
  /** `YYYY-MM-DDTHH` */
  readonly hour: string;
}

/** `2026-12-06T08:30:00.000Z` -> `2026-12-06T16:30` (Beijing wall clock, to the minute). */
const beijingClock = (at: string | Date): string => {
  const ms = typeof at === 'string' ? Date.parse(at) : at.getTime();
  if (Number.isNaN(ms)) throw new RangeError(`not a time: ${String(at)}`);
  return new Date(ms + BEIJING_OFFSET_MS).toISOString().slice(0, 16);
};

/** The two digits at `i` as a number, or -1. */
const twoDigits = (at: string, i: number): number => {
  const tens = at.charCodeAt(i) - 48;
  const ones = at.charCodeAt(i + 1) - 48;
  return tens >= 0 && tens <= 9 && ones >= 0 && ones <= 9 ? tens * 10 + ones : -1;
};

/**
 * For a text written as toISOString writes it (`YYYY-MM-DDTHH:MM:SS.mmmZ`, the event stores write
 * those) with month at most 12, day at most 31, hour at most 23, minute and second at most 59: its
 * UTC hour as one small integer, a different one for different digits. Else -1. (A month or day 00
 * passes here but never parses, so its hour is never kept.)
 */
const utcHourKey = (at: string): number => {
  if (
    at.length !== 24 ||
    at.charCodeAt(4) !== 45 /* - */ ||
    at.charCodeAt(7) !== 45 ||
    at.charCodeAt(10) !== 84 /* T */ ||
    at.charCodeAt(13) !== 58 /* : */ ||
    at.charCodeAt(16) !== 58 ||
    at.charCodeAt(19) !== 46 /* . */ ||
    at.charCodeAt(23) !== 90 /* Z */
  ) {
    return -1;
  }
  const century = twoDigits(at, 0);
  const year = twoDigits(at, 2);
  const month = twoDigits(at, 5);
  const day = twoDigits(at, 8);
  const hour = twoDigits(at, 11);
  const minute = twoDigits(at, 14);
  const second = twoDigits(at, 17);
  const tenths = twoDigits(at, 20);
  const thousandths = twoDigits(at, 21);
  if (century < 0 || year < 0 || month < 0 || month > 12 || day < 0 || day > 31 || hour < 0 || hour > 23) return -1;
  if (minute < 0 || minute > 59 || second < 0 || second > 59 || tenths < 0 || thousandths < 0) return -1;
  return (((century * 100 + year) * 13 + month) * 32 + day) * 24 + hour;
};

/**
 * Hours converted, by their UTC hour (utcHourKey): a rebuild's events fall in a few hundred hours
 * (720 a month), each asked for its day and hour by several projections. Set only once the hour's
 * first text parsed; emptied when full.
 */
const HOURS_KEPT = 100_000;
const hours = new Map<number, BeijingHour>();

/** The Beijing day and hour of a time; for texts of one UTC hour, the same object (no parse, no new text). */
export const beijingHourOf = (at: string | Date): BeijingHour => {
  const key = typeof at === 'string' ? utcHourKey(at) : -1;
  if (key >= 0) {
    const known = hours.get(key);
    if (known !== undefined) return known;
  }
  const clock = beijingClock(at);
  const parts: BeijingHour = { day: clock.slice(0, 10), hour: clock.slice(0, 13) };
  if (key >= 0) {
    if (hours.size >= HOURS_KEPT) hours.clear();
    hours.set(key, parts);
  }
  return parts;
};

/**
 * The minute of the hour of a time, 0..59: the same in Beijing as in UTC (the offset is whole hours),
 * read off the text once its hour is known to parse (beijingHourOf).
 */
export const beijingMinuteOf = (at: string | Date): number => {
  if (typeof at === 'string') {
    const key = utcHourKey(at);
    if (key >= 0 && hours.has(key)) return twoDigits(at, 14);
  }
  return Number(beijingClock(at).slice(14, 16));
};

export const beijingDay = (at: string | Date): string => beijingHourOf(at).day;
export const beijingHour = (at: string | Date): string => beijingHourOf(at).hour;
/** The minute of the hour, `00`..`59`. */
export const beijingMinute = (at: string | Date): string => String(beijingMinuteOf(at)).padStart(2, '0');

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
  for (let i = 59; i >= 0; i--) minutes.push(beijingClock(new Date(now.getTime() - i * 60_000)));
  return { hours: [beijingHour(new Date(now.getTime() - 3_600_000)), beijingHour(now)], minutes };
};
