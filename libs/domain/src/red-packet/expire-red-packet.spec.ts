import { RedPacketNotFound } from '../errors';
import { T_EXPIRY, at, claimed, escrowed, expired } from '../testing/fixtures';
import { specFor } from '../testing/given-when-then';
import type { ExpireRedPacket } from './expire-red-packet';
import { redPacketDecider } from './red-packet.decider';

const given = specFor(redPacketDecider);

const expire = (now: string): ExpireRedPacket => ({ type: 'ExpireRedPacket', data: { redPacketId: 'rp-1', now } });

describe('ExpireRedPacket', () => {
  it('refunds what is left once due', () => {
    const { state } = given([escrowed(), claimed('bob', 334, 666, 2)])
      .when(expire(T_EXPIRY))
      .then([expired(666, 2)]);
    expect(state.status).toBe('expired');
  });

  it('is a no-op before expiresAt', () => {
    given([escrowed()])
      .when(expire(at(T_EXPIRY, -1)))
      .thenNothing();
  });

  it('is a no-op once exhausted', () => {
    given([escrowed({ shares: 1 }), claimed('bob', 1000, 0, 0)])
      .when(expire(at(T_EXPIRY, 1)))
      .thenNothing();
  });

  it('is a no-op once expired', () => {
    given([escrowed(), expired(1000, 3)])
      .when(expire(at(T_EXPIRY, 60_000)))
      .thenNothing();
  });

  it('rejects an unknown packet, so that the scheduler retries after the escrow', () => {
    given([]).when(expire(T_EXPIRY)).thenThrows(RedPacketNotFound);
  });
});
