/**
 * Beijing time (UTC+8, no daylight saving) for the aggregates: an event counts on the Beijing day and
 * hour of its occurredAt. Days are `YYYY-MM-DD`, hours `YYYY-MM-DDTHH`, both in Beijing time.
 */
const BEIJING_OFFSET_MS = 8 * 3_600_000;
const DAY_MS = 86_400_000;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The last occurredAt text converted: an event's projections ask for its day, hour and minute many times over. */
let lastText: string | undefined;
let lastClock = '';

/** `2026-12-06T08:30:00.000Z` -> `2026-12-06T16:30` (Beijing wall clock, to the minute). */
const beijingClock = (at: string | Date): string => {
  if (typeof at === 'string' && at === lastText) return lastClock;
  const ms = typeof at === 'string' ? Date.parse(at) : at.getTime();
  if (Number.isNaN(ms)) throw new RangeError(`not a time: ${String(at)}`);
  const clock = new Date(ms + BEIJING_OFFSET_MS).toISOString().slice(0, 16);
  if (typeof at === 'string') {
    lastText = at;
    lastClock = clock;
  }
  return clock;
};

export const beijingDay = (at: string | Date): string => beijingClock(at).slice(0, 10);
export const beijingHour = (at: string | Date): string => beijingClock(at).slice(0, 13);
/** The minute of the hour, `00`..`59`. */
export const beijingMinute = (at: string | Date): string => beijingClock(at).slice(14, 16);

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
