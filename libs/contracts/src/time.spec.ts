import { parseIsoDate, parseIsoInstant } from './time';

describe('strict ISO 8601 times', () => {
  it('reads real dates and instants', () => {
    expect(parseIsoDate('2024-02-29')?.toISOString()).toBe('2024-02-29T00:00:00.000Z');
    expect(parseIsoInstant('2026-01-31T16:00+08:00')?.toISOString()).toBe('2026-01-31T08:00:00.000Z');
    expect(parseIsoInstant('2026-12-31T23:59:59.999Z')?.toISOString()).toBe('2026-12-31T23:59:59.999Z');
  });

  it('refuses what is not on the calendar or the clock instead of rolling it over', () => {
    for (const bad of ['2026-02-30', '2025-02-29', '2026-04-31', '2026-13-01', '2026-00-10', '2026-01-00', '0000-01-01', '2026-1-01']) {
      expect({ bad, parsed: parseIsoDate(bad) }).toEqual({ bad, parsed: undefined });
    }
    for (const bad of [
      '2026-02-30T00:00Z',
      '2026-01-31T24:00Z',
      '2026-01-31T12:60Z',
      '2026-01-31T12:00:60Z',
      '2026-01-31T12:00+24:00',
      '2026-01-31T12:00',
      '2026-01-31 12:00Z',
    ]) {
      expect({ bad, parsed: parseIsoInstant(bad) }).toEqual({ bad, parsed: undefined });
    }
  });
});
