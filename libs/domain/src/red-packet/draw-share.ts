import type { Fen, RedPacketMode } from '@zan/contracts';
import { InvalidCommand } from '../errors';

export interface Undrawn {
  mode: RedPacketMode;
  remainingAmount: Fen;
  remainingShares: number;
}

/** floor(2R/n) without forming 2R, which may pass 2^53 for very large configured limits. */
const doubleMean = (remaining: Fen, shares: number): Fen => 2 * Math.floor(remaining / shares) + Math.floor((2 * (remaining % shares)) / shares);

/**
 * The next share of a packet, with R fen and n shares left (R >= n >= 1).
 * equal: ceil(R/n), which hands the floor(amount/shares) remainder out one fen each to the first claims.
 * lucky (double mean): the last share takes R; otherwise uniform in [1, min(floor(2R/n), R-(n-1))],
 * keeping 1 fen for every later share, so each position's expected share is about amount/shares.
 */
export const drawShare = (packet: Undrawn, random: () => number): Fen => {
  const { remainingAmount: remaining, remainingShares: shares } = packet;
  if (!Number.isSafeInteger(shares) || shares < 1 || !Number.isSafeInteger(remaining) || remaining < shares) {
    throw new RangeError(`cannot draw a share of ${remaining} fen over ${shares} shares`);
  }
  if (packet.mode === 'equal') return Math.ceil(remaining / shares);
  if (shares === 1) return remaining;
  const max = Math.min(doubleMean(remaining, shares), remaining - (shares - 1));
  const r = random();
  if (typeof r !== 'number' || !(r >= 0 && r < 1)) throw new InvalidCommand(`random() must return a number in [0, 1), got ${String(r)}`);
  return 1 + Math.floor(r * max);
};
