import fc from 'fast-check';
import { beijingDay, beijingHour, beijingHourOf, beijingMinute, beijingMinuteOf } from './beijing';

/** The conversion without any cache: parse, add eight hours, print (`YYYY-MM-DDTHH:MM`), or undefined for no time. */
const reference = (at: string): string | undefined => {
  const ms = Date.parse(at);
  return Number.isNaN(ms) ? undefined : new Date(ms + 8 * 3_600_000).toISOString().slice(0, 16);
};

/** What the cached functions answer, in the reference's form. */
const cached = (at: string): string | undefined => {
  try {
    const { day, hour } = beijingHourOf(at);
    const minute = beijingMinuteOf(at);
    expect(hour.slice(0, 10)).toBe(day);
    return `${hour}:${String(minute).padStart(2, '0')}`;
  } catch (error) {
    if (error instanceof RangeError) return undefined;
    throw error;
  }
};

const START = Date.parse('2026-12-05T13:58:00.000Z');

const iso = (from: number, span: number) => fc.integer({ min: 0, max: span }).map((ms) => new Date(from + ms).toISOString());

/**
 * Texts as a rebuild meets them (runs in one hour, across hours and days, a leap day, far years),
 * mixed with texts one character away from those (any position, a digit or a separator or a
 * stranger): months 00 and 13, days 00 and 32, hour 24, minute or second 60, bad separators and
 * endings. Each must give what parsing it alone gives, whatever was converted before it.
 */
const text = fc.oneof(
  { weight: 4, arbitrary: iso(START, 3 * 3_600_000) },
  { weight: 1, arbitrary: iso(START, 3 * 86_400_000) },
  { weight: 1, arbitrary: iso(Date.parse('2024-02-28T12:00:00.000Z'), 2 * 86_400_000) },
  { weight: 1, arbitrary: iso(Date.parse('0000-01-01T00:00:00.000Z'), 400 * 365 * 86_400_000) },
  {
    weight: 4,
    arbitrary: fc
      .tuple(iso(START, 3 * 3_600_000), fc.integer({ min: 0, max: 24 }), fc.constantFrom(...'0123456789-:T.Z+ x'.split('')))
      .map(([at, i, char]) => at.slice(0, i) + char + at.slice(i + 1)),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(iso(START, 3 * 3_600_000), fc.constantFrom([5, '00'], [5, '13'], [8, '00'], [8, '32'], [8, '31'], [11, '24'], [14, '60'], [17, '60'], [20, 'x1']))
      .map(([at, [i, digits]]) => at.slice(0, i as number) + (digits as string) + at.slice((i as number) + 2)),
  },
);

describe('beijingHourOf and beijingMinuteOf', () => {
  it('give, text after text, what parsing each text alone gives (the hours kept between texts change nothing)', () => {
    fc.assert(
      fc.property(fc.array(text, { minLength: 1, maxLength: 60 }), (texts) => {
        for (const at of texts) expect([at, cached(at)]).toEqual([at, reference(at)]);
      }),
      { numRuns: 1000 },
    );
  });

  it('answer texts of one hour with one object, and the minute of each', () => {
    const first = beijingHourOf('2026-12-05T16:30:00.000Z');
    expect(beijingHourOf('2026-12-05T16:59:59.999Z')).toBe(first);
    expect(first).toEqual({ day: '2026-12-06', hour: '2026-12-06T00' });
    expect(beijingMinuteOf('2026-12-05T16:07:59.999Z')).toBe(7);
    expect(beijingHourOf('2026-12-05T17:00:00.000Z').hour).toBe('2026-12-06T01');
    expect(beijingHourOf('2026-12-05T16:30:00+08:00').hour).toBe('2026-12-05T16');
    expect([beijingDay(new Date('2026-12-05T16:30:00Z')), beijingHour('2026-12-05T15:30:00.000Z'), beijingMinute('2026-12-05T15:03:07.000Z')]).toEqual([
      '2026-12-06',
      '2026-12-05T23',
      '03',
    ]);
    expect(() => beijingMinuteOf('2026-12-05T16:30:60.000Z')).toThrow(RangeError);
    expect(() => beijingMinuteOf('2026-00-05T16:30:00.000Z')).toThrow(RangeError);
  });

  it('never answers a text that is no time with the hour its digits would alias', () => {
    // Each bad text's digits, read without the checks, name one of these hours (month 14 of 2026 is January 2027...).
    for (const known of ['2027-01-05T10:00:00.000Z', '1999-12-05T10:00:00.000Z', '2026-12-01T10:00:00.000Z']) beijingHourOf(known);
    for (const bad of ['2026-14-05T10:00:00.000Z', '20x0-12-05T10:00:00.000Z', '2026-11-33T10:00:00.000Z']) {
      expect(() => beijingHourOf(bad)).toThrow(RangeError);
      expect(() => beijingMinuteOf(bad)).toThrow(RangeError);
    }
  });
});
