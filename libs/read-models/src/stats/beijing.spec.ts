import fc from 'fast-check';
import { beijingClockOf, beijingDay, beijingHour, beijingMinute } from './beijing';

/** The conversion without any cache: parse, add eight hours, print. */
const reference = (at: string): string | undefined => {
  const ms = Date.parse(at);
  return Number.isNaN(ms) ? undefined : new Date(ms + 8 * 3_600_000).toISOString().slice(0, 16);
};

const clockOrError = (at: string): string | undefined => {
  try {
    return beijingClockOf(at).clock;
  } catch (error) {
    if (error instanceof RangeError) return undefined;
    throw error;
  }
};

const START = Date.parse('2026-12-05T15:58:00.000Z');

/**
 * Texts as a rebuild meets them (runs in one minute, across minutes, hours and days), mixed with
 * texts that share a converted minute's first 16 characters but are not in that minute: other forms
 * of time (an offset, no milliseconds), bad seconds, bad endings.
 */
const text = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 4 * 60_000 }).map((ms) => new Date(START + ms).toISOString()) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 3 * 86_400_000 }).map((ms) => new Date(START + ms).toISOString()) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(
        fc.integer({ min: 0, max: 4 * 60_000 }),
        fc.constantFrom(
          ':00+08:00',
          ':59.999+01:00',
          ':60.000Z',
          ':7.000Z',
          ':00.000z',
          ':00.000X',
          ':00.000ZZ',
          ':00.00Z',
          ':00.0000Z',
          '.00:00.000Z',
          ':00.000',
          ':0a.000Z',
          ':00,000Z',
          '',
        ),
      )
      .map(([ms, tail]) => new Date(START + ms).toISOString().slice(0, 16) + tail),
  },
);

describe('beijingClockOf', () => {
  it('gives, text after text, what parsing each text alone gives (the minute kept between texts changes nothing)', () => {
    fc.assert(
      fc.property(fc.array(text, { minLength: 1, maxLength: 60 }), (texts) => {
        for (const at of texts) expect([at, clockOrError(at)]).toEqual([at, reference(at)]);
      }),
      { numRuns: 500 },
    );
  });

  it('answers texts of one minute with one object, and its parts', () => {
    const first = beijingClockOf('2026-12-05T16:30:00.000Z');
    expect(beijingClockOf('2026-12-05T16:30:59.999Z')).toBe(first);
    expect(first).toEqual({ clock: '2026-12-06T00:30', day: '2026-12-06', hour: '2026-12-06T00', minute: '30' });
    expect(beijingClockOf('2026-12-05T16:31:00.000Z').clock).toBe('2026-12-06T00:31');
    expect(beijingClockOf('2026-12-05T16:30:00+08:00').clock).toBe('2026-12-05T16:30');
    expect([beijingDay(new Date('2026-12-05T16:30:00Z')), beijingHour('2026-12-05T15:30:00.000Z'), beijingMinute('2026-12-05T15:30:07.000Z')]).toEqual([
      '2026-12-06',
      '2026-12-05T23',
      '30',
    ]);
    expect(() => beijingClockOf('2026-12-05T16:30:60.000Z')).toThrow(RangeError);
  });
});
