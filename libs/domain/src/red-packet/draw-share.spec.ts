import fc from 'fast-check';
import { PROPERTY_PARAMS } from '../testing/property';
import { drawShare } from './draw-share';
import { randomOf } from '../testing/fixtures';

describe('drawShare', () => {
  it('equal: ceil(R/n), so the remainder goes one fen each to the first claims', () => {
    expect(drawShare({ mode: 'equal', remainingAmount: 10, remainingShares: 3 }, randomOf(0.9))).toBe(4);
    expect(drawShare({ mode: 'equal', remainingAmount: 9, remainingShares: 3 }, randomOf(0.9))).toBe(3);
  });

  it('lucky: the last share takes everything left', () => {
    expect(drawShare({ mode: 'lucky', remainingAmount: 777, remainingShares: 1 }, randomOf(0))).toBe(777);
  });

  it('lucky: 1 fen at random 0, the double mean just below 1', () => {
    const packet = { mode: 'lucky' as const, remainingAmount: 1000, remainingShares: 4 };
    expect(drawShare(packet, randomOf(0))).toBe(1);
    expect(drawShare(packet, randomOf(0.999999))).toBe(500);
  });

  it('lucky: keeps 1 fen for each later share when money is tight', () => {
    // R = n + 1: double mean would allow 2, and it does (R - (n-1) = 2).
    expect(drawShare({ mode: 'lucky', remainingAmount: 6, remainingShares: 5 }, randomOf(0.999))).toBe(2);
    // R = n: every share is 1 fen.
    expect(drawShare({ mode: 'lucky', remainingAmount: 5, remainingShares: 5 }, randomOf(0.999))).toBe(1);
  });

  it('does not form 2R, which could pass 2^53', () => {
    const remaining = Number.MAX_SAFE_INTEGER;
    expect(drawShare({ mode: 'lucky', remainingAmount: remaining, remainingShares: 2 }, randomOf(0.999999999))).toBeLessThanOrEqual(remaining - 1);
  });

  it('refuses a packet with no share to draw, or less than 1 fen a share', () => {
    expect(() => drawShare({ mode: 'lucky', remainingAmount: 5, remainingShares: 0 }, randomOf(0))).toThrow(RangeError);
    expect(() => drawShare({ mode: 'equal', remainingAmount: 2, remainingShares: 3 }, randomOf(0))).toThrow(RangeError);
  });

  it('property: every draw leaves at least 1 fen for every later share and stays within the double mean', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 100 })
          .chain((shares) =>
            fc.tuple(fc.constant(shares), fc.integer({ min: shares, max: 5_000_000 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true })),
          ),
        fc.constantFrom('lucky' as const, 'equal' as const),
        ([shares, remaining, r], mode) => {
          const share = drawShare({ mode, remainingAmount: remaining, remainingShares: shares }, () => r);
          expect(Number.isSafeInteger(share)).toBe(true);
          expect(share).toBeGreaterThanOrEqual(1);
          expect(remaining - share).toBeGreaterThanOrEqual(shares - 1);
          if (shares === 1) expect(share).toBe(remaining);
          else if (mode === 'lucky') expect(share).toBeLessThanOrEqual(Math.floor((2 * remaining) / shares));
          else expect(share).toBe(Math.ceil(remaining / shares));
        },
      ),
      PROPERTY_PARAMS,
    );
  });
});
