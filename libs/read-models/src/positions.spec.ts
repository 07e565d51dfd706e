import fc from 'fast-check';
import { compareBytes, comparePositions, padPosition } from './positions';

const sign = (n: number | bigint) => (n < 0 ? -1 : n > 0 ? 1 : 0);

describe('comparePositions', () => {
  it('orders by length before digits', () => {
    expect(comparePositions('999999999999999999', '1000000000000000000')).toBe(-1);
    expect(comparePositions('1000000000000000000', '999999999999999999')).toBe(1);
    expect(comparePositions('9007199254740993', '9007199254740992')).toBe(1);
    expect(comparePositions('42', '42')).toBe(0);
    expect(comparePositions('0', '1')).toBe(-1);
  });

  it('agrees with bigint order for any positions', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 31n - 1n }), fc.bigInt({ min: 0n, max: 10n ** 31n - 1n }), (a, b) => {
        expect(comparePositions(String(a), String(b))).toBe(sign(a - b));
      }),
      { seed: 1 },
    );
  });
});

describe('padPosition', () => {
  it('makes text order the numeric order', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 31n - 1n }), fc.bigInt({ min: 0n, max: 10n ** 31n - 1n }), (a, b) => {
        expect(sign(compareBytes(padPosition(a), padPosition(b)))).toBe(sign(a - b));
      }),
      { seed: 2 },
    );
  });

  it('refuses what it cannot order', () => {
    expect(() => padPosition(-1n)).toThrow(RangeError);
    expect(() => padPosition(10n ** 32n)).toThrow(RangeError);
    expect(padPosition(10n ** 32n - 1n)).toHaveLength(32);
  });
});

describe('compareBytes', () => {
  it('orders strings as their UTF-8 bytes, as Redis orders members', () => {
    expect(sign(compareBytes('\u{1F600}', '\uFF00'))).toBe(1); // astral after the end of the BMP, unlike UTF-16
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (a, b) => {
        expect(sign(compareBytes(a, b))).toBe(sign(Buffer.compare(Buffer.from(a), Buffer.from(b))));
      }),
      { seed: 3, numRuns: 500 },
    );
  });
});
