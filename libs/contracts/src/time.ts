/**
 * Strict ISO 8601 parsing for every time a user types (CLI options, query parameters): a date that
 * is not on the calendar (2026-02-30) or a clock reading that does not exist (24:00, 12:60) is
 * refused, where `new Date()` would roll it over into the next month or hour.
 */
const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const WITH_ZONE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|([+-])(\d{2}):?(\d{2}))$/i;

const daysIn = (year: number, month: number): number => new Date(Date.UTC(year, month, 0)).getUTCDate();

/** True when year-month-day names a day of the (proleptic Gregorian) calendar. */
export const isCalendarDate = (year: number, month: number, day: number): boolean =>
  year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= daysIn(year, month);

/** A calendar date (YYYY-MM-DD), as UTC midnight; undefined when it is not a real date. */
export const parseIsoDate = (text: string): Date | undefined => {
  const match = DATE_ONLY.exec(text);
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  return isCalendarDate(year, month, day) ? new Date(Date.UTC(year, month - 1, day)) : undefined;
};

/** An instant with a zone (2026-01-31T16:00+08:00, 2026-01-31T08:00:00.123Z); undefined otherwise. */
export const parseIsoInstant = (text: string): Date | undefined => {
  const match = WITH_ZONE.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour, minute] = [1, 2, 3, 4, 5].map((i) => Number(match[i]));
  const second = match[6] === undefined ? 0 : Number(match[6]);
  if (!isCalendarDate(year!, month!, day!) || hour! > 23 || minute! > 59 || second > 59) return undefined;
  if (match[9] !== undefined && (Number(match[10]) > 23 || Number(match[11]) > 59)) return undefined;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? undefined : date;
};
