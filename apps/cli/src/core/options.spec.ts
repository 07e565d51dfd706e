import { collect, parseDurationOption, parseMomentOption, parsePositionOption, parseTimeOption } from './options';

describe('option values', () => {
  it('reads positions beyond 2^53 exactly, and refuses anything else', () => {
    expect(parsePositionOption('123456789012345678901')).toBe(123_456_789_012_345_678_901n);
    for (const bad of ['-1', '1.5', '01', 'abc', '']) expect(() => parsePositionOption(bad)).toThrow(/position/);
  });

  it('reads times with a zone or dates (UTC), and refuses local times', () => {
    expect(parseTimeOption('2026-01-31').toISOString()).toBe('2026-01-31T00:00:00.000Z');
    expect(parseTimeOption('2026-01-31T16:00+08:00').toISOString()).toBe('2026-01-31T08:00:00.000Z');
    expect(parseTimeOption('2026-01-31T08:00:00.123Z').toISOString()).toBe('2026-01-31T08:00:00.123Z');
    for (const bad of ['2026-01-31T08:00', 'yesterday', '2026-13-45', '2026-02-30', '2026-02-30T00:00Z', '2026-01-31T24:00Z'])
      expect(() => parseTimeOption(bad)).toThrow();
  });

  it('tells positions from times, reads durations and collects repeated values', () => {
    expect(parseMomentOption('75200000')).toEqual({ position: 75_200_000n });
    expect(parseMomentOption('2026-01-01')).toEqual({ time: new Date('2026-01-01T00:00:00Z') });
    expect([parseDurationOption('90'), parseDurationOption('15m'), parseDurationOption('1h'), parseDurationOption('7d')]).toEqual([90, 900, 3600, 604_800]);
    expect(() => parseDurationOption('0s')).toThrow();
    expect(collect('TipPraised, TipReceived', ['WalletFunded'])).toEqual(['WalletFunded', 'TipPraised', 'TipReceived']);
  });
});
