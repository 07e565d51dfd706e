import { Workload } from '../testing/workload';
import { redPacketView, redPacketsProjection } from './red-packets.projection';

const project = (workload: Workload) => workload.events.map((e) => redPacketsProjection.project(e));

describe('red packets projection', () => {
  const workload = new Workload().sendRedPacket('alice', 'rp', 1000, 3, 'hi').claim('rp', 'bob', 300).claim('rp', 'carol', 200).expire('rp');
  const [sent, escrowed, claimed, shareReceived, , , expired, refunded] = workload.events;

  it('writes the escrow once, from the packet stream', () => {
    expect(redPacketsProjection.project(sent)).toEqual([]);
    expect(redPacketsProjection.project(escrowed)).toEqual([
      {
        op: 'hset',
        key: 'red-packet:rp',
        values: { redPacketId: 'rp', senderId: 'alice', amount: 1000, shares: 3, mode: 'lucky', expiresAt: '2025-01-02T00:00:00.000Z', greeting: 'hi' },
      },
    ]);
  });

  it('counts a claim and records it in claim order', () => {
    expect(redPacketsProjection.project(claimed)).toEqual([
      { op: 'hincrby', key: 'red-packet:rp', field: 'claimedAmount', by: 300 },
      { op: 'hincrby', key: 'red-packet:rp', field: 'claimedShares', by: 1 },
      { op: 'zadd', key: 'red-packet-claims:rp', score: claimed.revision, member: JSON.stringify([claimed.revision, 'bob', 300]) },
    ]);
    expect(redPacketsProjection.project(shareReceived)).toEqual([]);
  });

  it('marks the expiry and counts the refund', () => {
    expect(redPacketsProjection.project(expired)).toEqual([
      { op: 'hincrby', key: 'red-packet:rp', field: 'refunded', by: 500 },
      { op: 'hset', key: 'red-packet:rp', values: { expired: 1 } },
    ]);
    expect(redPacketsProjection.project(refunded)).toEqual([]);
  });

  it('never writes a status, so no late event can set one back', () => {
    const ops = project(workload).flat();
    expect(ops.some((c) => c.op === 'hset' && 'status' in c.values)).toBe(false);
  });

  describe('view', () => {
    const escrow = { redPacketId: 'rp', senderId: 'alice', amount: '1000', shares: '2', mode: 'equal', expiresAt: 'x' };
    const claim = (revision: number, userId: string, amount: number) => JSON.stringify([revision, userId, amount]);

    it('is undefined before the escrow', () => {
      expect(redPacketView('rp', { claimedAmount: '1' }, [])).toBeUndefined();
    });

    it('is open with shares left, remaining what is unclaimed', () => {
      expect(redPacketView('rp', { ...escrow, claimedAmount: '400', claimedShares: '1' }, [claim(1, 'bob', 400)])).toEqual({
        redPacketId: 'rp',
        senderId: 'alice',
        amount: 1000,
        shares: 2,
        claimed: [{ userId: 'bob', amount: 400 }],
        remaining: 600,
        status: 'open',
        expiresAt: 'x',
        mode: 'equal',
      });
    });

    it('is exhausted when every share is claimed', () => {
      const view = redPacketView('rp', { ...escrow, claimedAmount: '1000', claimedShares: '2' }, [claim(1, 'bob', 400), claim(2, 'carol', 600)]);
      expect(view).toMatchObject({ status: 'exhausted', remaining: 0, claimed: [{ userId: 'bob' }, { userId: 'carol' }] });
    });

    it('stays expired whatever is applied after, and holds nothing once refunded', () => {
      const view = redPacketView('rp', { ...escrow, expired: '1', refunded: '600', claimedAmount: '400', claimedShares: '1' }, [claim(1, 'bob', 400)]);
      expect(view).toMatchObject({ status: 'expired', remaining: 0 });
    });
  });
});
