import { decodePosition, encodePosition } from './position';

describe('SQL event store positions', () => {
  it('encodes transaction id and index, and decodes them back', () => {
    expect(encodePosition('752', 3)).toBe(75_200_003n);
    expect(decodePosition(75_200_003n)).toEqual({ transactionId: '752', txIndex: 3 });
  });

  it('orders positions like (transaction_id, tx_index), even past 2^53', () => {
    const big = '18446744073709551';
    const ordered = [encodePosition('9', 99_999), encodePosition('10', 0), encodePosition(big, 0), encodePosition(big, 1)];
    expect([...ordered].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(ordered);
    expect(decodePosition(encodePosition(big, 99_999))).toEqual({ transactionId: big, txIndex: 99_999 });
  });

  it('refuses negative positions', () => {
    expect(() => decodePosition(-1n)).toThrow(RangeError);
  });
});
