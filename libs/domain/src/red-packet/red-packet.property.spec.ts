import fc from 'fast-check';
import type { DomainEvent, RedPacketMode } from '@zan/contracts';
import { fold } from '../decider';
import { RedPacketAlreadyClaimed, RedPacketGone } from '../errors';
import { T_EXPIRY, at, escrowed } from '../testing/fixtures';
import { PROPERTY_PARAMS } from '../testing/property';
import { redPacketDecider, type RedPacketCommand } from './red-packet.decider';
import type { RedPacket, RedPacketState } from './red-packet.state';

const HOUR = 3_600_000;
const unit = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

/** amount and shares with amount >= shares, mostly within the default limits, sometimes far larger. */
const termsUpTo = (maxShares: number) =>
  fc.integer({ min: 1, max: maxShares }).chain((shares) =>
    fc.record({
      shares: fc.constant(shares),
      amount: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: shares, max: 20_000 }) }, { weight: 1, arbitrary: fc.integer({ min: shares, max: 2 ** 40 }) }),
    }),
  );
const packetTerms = termsUpTo(100);

/** A packet stream: decide on the current state, append, evolve. */
class PacketStream {
  readonly events: DomainEvent[];
  state: RedPacketState;

  constructor(first: DomainEvent) {
    this.events = [first];
    this.state = fold(redPacketDecider, this.events);
  }

  handle(command: RedPacketCommand): void {
    const decided = redPacketDecider.decide(command, this.state);
    this.events.push(...decided);
    this.state = decided.reduce((state, event) => redPacketDecider.evolve(state, event), this.state);
  }
}

const claimAll = (mode: RedPacketMode, amount: number, shares: number, randoms: number[]) => {
  const stream = new PacketStream(escrowed({ amount, shares, mode }));
  for (let i = 0; i < shares; i++) {
    const r = randoms[i] ?? 0;
    stream.handle({ type: 'ClaimRedPacket', data: { redPacketId: 'rp-1', userId: `u${i}`, now: at(T_EXPIRY, -HOUR), random: () => r } });
  }
  // Rebuilt from the events alone: the drawn amounts are replayed, never drawn again.
  return { events: stream.events, state: fold(redPacketDecider, stream.events) as RedPacket };
};

describe('red packet properties', () => {
  it('a fully claimed lucky packet: claims sum to the amount, every share >= 1 fen, one share per claim', () => {
    fc.assert(
      fc.property(packetTerms, fc.array(unit, { minLength: 100, maxLength: 100 }), ({ amount, shares }, randoms) => {
        const { state } = claimAll('lucky', amount, shares, randoms);
        const drawn = [...state.claims.values()];
        expect(state.status).toBe('exhausted');
        expect(drawn).toHaveLength(shares);
        expect(drawn.every((share) => Number.isSafeInteger(share) && share >= 1)).toBe(true);
        expect(drawn.reduce((a, b) => a + b, 0)).toBe(amount);
        expect(state.remainingAmount).toBe(0);
        expect(state.remainingShares).toBe(0);
        expect(() =>
          redPacketDecider.decide({ type: 'ClaimRedPacket', data: { redPacketId: 'rp-1', userId: 'late', now: at(T_EXPIRY, -HOUR), random: () => 0 } }, state),
        ).toThrow(RedPacketGone);
      }),
      PROPERTY_PARAMS,
    );
  });

  it('a fully claimed equal packet: shares differ by at most 1 fen, the larger ones first', () => {
    fc.assert(
      fc.property(packetTerms, ({ amount, shares }) => {
        const { state } = claimAll('equal', amount, shares, []);
        const drawn = [...state.claims.values()];
        expect(drawn.reduce((a, b) => a + b, 0)).toBe(amount);
        expect(Math.max(...drawn) - Math.min(...drawn)).toBeLessThanOrEqual(1);
        expect(drawn).toEqual([...drawn].sort((a, b) => b - a));
        expect(drawn.filter((share) => share > Math.floor(amount / shares))).toHaveLength(amount % shares);
      }),
      PROPERTY_PARAMS,
    );
  });

  it('an expired packet refunds exactly what is left, once, however often ExpireRedPacket runs', () => {
    const step = fc.oneof(
      fc.record({
        kind: fc.constant('claim' as const),
        user: fc.integer({ min: 0, max: 30 }),
        random: unit,
        offset: fc.integer({ min: -3 * HOUR, max: HOUR / 2 }),
      }),
      fc.record({ kind: fc.constant('expire' as const), offset: fc.integer({ min: -3 * HOUR, max: 3 * HOUR }) }),
    );
    const outcomes = { exhausted: 0, expiredUntouched: 0, expiredPartlyClaimed: 0 };
    fc.assert(
      fc.property(
        // Few shares too, so that some packets run out before they expire.
        fc.oneof(termsUpTo(8), packetTerms),
        fc.constantFrom<RedPacketMode>('lucky', 'equal'),
        fc.array(step, { maxLength: 60, size: 'max' }),
        fc.integer({ min: 1, max: 5 }),
        ({ amount, shares }, mode, steps, finalExpiries) => {
          const stream = new PacketStream(escrowed({ amount, shares, mode }));
          const tryRun = (command: RedPacketCommand) => {
            try {
              stream.handle(command);
            } catch (error) {
              if (!(error instanceof RedPacketGone) && !(error instanceof RedPacketAlreadyClaimed)) throw error;
            }
          };
          for (const s of steps) {
            const now = at(T_EXPIRY, s.offset);
            if (s.kind === 'claim') tryRun({ type: 'ClaimRedPacket', data: { redPacketId: 'rp-1', userId: `u${s.user}`, now, random: () => s.random } });
            else tryRun({ type: 'ExpireRedPacket', data: { redPacketId: 'rp-1', now } });
          }
          for (let i = 0; i < finalExpiries; i++) tryRun({ type: 'ExpireRedPacket', data: { redPacketId: 'rp-1', now: at(T_EXPIRY, i * HOUR) } });

          const { events } = stream;
          const claimedTotal = events.flatMap((e) => (e.type === 'RedPacketClaimed' ? [e.data.amount] : [])).reduce((a, b) => a + b, 0);
          const refunds = events.flatMap((e) => (e.type === 'RedPacketExpired' ? [e.data] : []));
          const state = fold(redPacketDecider, events) as RedPacket;
          if (state.status === 'exhausted') {
            outcomes.exhausted++;
            expect(refunds).toHaveLength(0);
            expect(claimedTotal).toBe(amount);
          } else {
            expect(state.status).toBe('expired');
            outcomes[claimedTotal > 0 ? 'expiredPartlyClaimed' : 'expiredUntouched']++;
            expect(refunds).toHaveLength(1);
            expect(refunds[0]!.amount).toBe(amount - claimedTotal);
            expect(refunds[0]!.remainingShares).toBe(shares - state.claims.size);
          }
          // No claim was accepted at or after expiresAt, nor after the expiry was recorded.
          const expiredAt = events.findIndex((e) => e.type === 'RedPacketExpired');
          if (expiredAt >= 0) expect(events.slice(expiredAt + 1).some((e) => e.type === 'RedPacketClaimed')).toBe(false);
        },
      ),
      PROPERTY_PARAMS,
    );
    // Every outcome must have been reached for the property to say something about it.
    expect(Math.min(...Object.values(outcomes))).toBeGreaterThan(10);
  });
});
