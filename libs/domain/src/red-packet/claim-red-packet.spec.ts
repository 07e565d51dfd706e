import { InvalidCommand, NotARecipient, RedPacketAlreadyClaimed, RedPacketGone, RedPacketNotFound } from '../errors';
import { T0, T_EXPIRY, at, claimed, escrowed, expired, randomOf } from '../testing/fixtures';
import { specFor } from '../testing/given-when-then';
import type { ClaimRedPacket } from './claim-red-packet';
import { redPacketDecider } from './red-packet.decider';
import type { RedPacket } from './red-packet.state';

const given = specFor(redPacketDecider);

const claim = (userId: string, random: () => number = randomOf(0.5), now = T0): ClaimRedPacket => ({
  type: 'ClaimRedPacket',
  data: { redPacketId: 'rp-1', userId, now, random },
});

describe('ClaimRedPacket', () => {
  it('draws a lucky share within the double mean and records what is left', () => {
    // 1000 fen, 3 shares: max = min(floor(2000/3), 998) = 666; random 0.5 -> 1 + 333.
    const { state } = given([escrowed()])
      .when(claim('bob', randomOf(0.5)))
      .then([claimed('bob', 334, 666, 2)]);
    expect(state).toMatchObject({ status: 'open', remainingAmount: 666, remainingShares: 2 });
    expect([...(state as RedPacket).claims]).toEqual([['bob', 334]]);
  });

  it('gives the last share everything left', () => {
    given([escrowed(), claimed('bob', 334, 666, 2), claimed('carol', 1, 665, 1)])
      .when(claim('dave', randomOf(0)))
      .then([claimed('dave', 665, 0, 0)]);
  });

  it('shares an equal packet with the remainder fen going to the first claims', () => {
    const packet = [escrowed({ amount: 11, shares: 3, mode: 'equal' })];
    given(packet)
      .when(claim('bob'))
      .then([claimed('bob', 4, 7, 2)]);
    given([...packet, claimed('bob', 4, 7, 2)])
      .when(claim('carol'))
      .then([claimed('carol', 4, 3, 1)]);
    given([...packet, claimed('bob', 4, 7, 2), claimed('carol', 4, 3, 1)])
      .when(claim('dave'))
      .then([claimed('dave', 3, 0, 0)]);
  });

  it('lets the sender claim a packet without a recipient list (as in a WeChat group)', () => {
    given([escrowed()])
      .when(claim('alice', randomOf(0)))
      .then([claimed('alice', 1, 999, 2)]);
  });

  it('keeps the sender out of a packet with a recipient list', () => {
    given([escrowed({ recipients: ['bob', 'carol', 'dave'] })])
      .when(claim('alice'))
      .thenThrows(NotARecipient);
  });

  it('rejects an unknown packet', () => {
    given([]).when(claim('bob')).thenThrows(RedPacketNotFound);
  });

  it('rejects someone not on the recipient list', () => {
    given([escrowed({ recipients: ['bob', 'carol', 'dave'] })])
      .when(claim('eve'))
      .thenThrows(NotARecipient);
  });

  it('rejects a second claim by the same user', () => {
    given([escrowed(), claimed('bob', 334, 666, 2)])
      .when(claim('bob'))
      .thenThrows(RedPacketAlreadyClaimed);
  });

  it('rejects a claim when no shares are left', () => {
    given([escrowed({ shares: 1 }), claimed('bob', 1000, 0, 0)])
      .when(claim('carol'))
      .thenThrows(RedPacketGone, /no shares/);
  });

  it('rejects a claim at or after expiresAt, even before the expiry is recorded', () => {
    given([escrowed()])
      .when(claim('bob', randomOf(0.5), T_EXPIRY))
      .thenThrows(RedPacketGone, /expired/);
    given([escrowed()])
      .when(claim('bob', randomOf(0.5), at(T_EXPIRY, -1)))
      .then([expect.objectContaining({ type: 'RedPacketClaimed' })]);
  });

  it('rejects a claim on an expired packet', () => {
    given([escrowed(), expired(1000, 3)])
      .when(claim('bob', randomOf(0.5), T0))
      .thenThrows(RedPacketGone);
  });

  it('checks in the order 404, 403, 409, 410', () => {
    const gone = [escrowed({ shares: 1, recipients: ['bob'] }), claimed('bob', 1000, 0, 0)];
    given(gone).when(claim('eve')).thenThrows(NotARecipient);
    given(gone).when(claim('bob')).thenThrows(RedPacketAlreadyClaimed);
    given([...gone, expired(0, 0)])
      .when(claim('bob', randomOf(0), T_EXPIRY))
      .thenThrows(RedPacketAlreadyClaimed);
  });

  it('rejects malformed time and randomness', () => {
    given([escrowed()])
      .when(claim('bob', randomOf(0.5), 'yesterday'))
      .thenThrows(InvalidCommand);
    given([escrowed()])
      .when(claim('bob', randomOf(1)))
      .thenThrows(InvalidCommand);
    given([escrowed()])
      .when(claim('bob', randomOf(-0.1)))
      .thenThrows(InvalidCommand);
    given([escrowed()])
      .when(claim('bob', randomOf(NaN)))
      .thenThrows(InvalidCommand);
  });

  it('compares instants, not strings', () => {
    // 07:59:59+08:00 is 23:59:59Z the day before: still open.
    given([escrowed()])
      .when(claim('bob', randomOf(0), '2025-01-02T07:59:59+08:00'))
      .then([claimed('bob', 1, 999, 2)]);
    given([escrowed()])
      .when(claim('bob', randomOf(0), '2025-01-02T08:00:00+08:00'))
      .thenThrows(RedPacketGone);
  });

  it('refuses a command for another packet', () => {
    given([escrowed()])
      .when({ ...claim('bob'), data: { ...claim('bob').data, redPacketId: 'rp-2' } })
      .thenThrows(InvalidCommand);
  });
});
