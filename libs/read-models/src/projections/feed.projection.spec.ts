import { Workload } from '../testing/workload';
import { padPosition } from '../positions';
import { InvalidFeedCursor, encodeFeedCursor, feedCursorBound, feedEntry, feedItemOf, feedMember, feedProjection } from './feed.projection';

describe('feed projection', () => {
  const workload = new Workload()
    .open('alice')
    .fund('alice', 1000)
    .withdraw('alice', 100)
    .transfer('alice', 'bob', 200)
    .tip('alice', 'bob', 'art', 500)
    .sendRedPacket('alice', 'rp', 300, 2)
    .claim('rp', 'bob', 100)
    .expire('rp');

  it('gives every money movement to the user whose wallet it moves, once', () => {
    const entries = workload.events.map(feedEntry).map((e) => e && [e.userId, e.item.type, e.item.amount, e.item.counterpartyId, e.item.refId]);
    expect(entries).toEqual([
      undefined,
      ['alice', 'funding', 1000, null, expect.stringMatching(/^f-/)],
      ['alice', 'withdrawal', 100, null, expect.stringMatching(/^w-/)],
      ['alice', 'transfer-sent', 200, 'bob', expect.stringMatching(/^t-/)],
      ['bob', 'transfer-received', 200, 'alice', expect.stringMatching(/^t-/)],
      ['alice', 'tip-sent', 500, 'bob', expect.stringMatching(/^tip-/)],
      ['bob', 'tip-received', 500, 'alice', expect.stringMatching(/^tip-/)],
      ['alice', 'red-packet-sent', 300, null, 'rp'],
      undefined, // the escrow
      undefined, // the claim on the packet stream
      ['bob', 'red-packet-claimed', 100, 'alice', 'rp'],
      undefined, // the expiry on the packet stream
      ['alice', 'red-packet-refunded', 200, null, 'rp'],
    ]);
    expect(feedEntry(workload.events[1])?.item.at).toBe(workload.events[1].occurredAt);
  });

  it('shows a payment by code to the payer and the merchant, and a returned one to the payer', () => {
    const at = '2026-03-01T10:00:00.000Z';
    const event = (type: string, data: Record<string, unknown>) =>
      ({ id: type, streamId: 's', revision: 0, position: 1n, type, data, metadata: {}, occurredAt: at }) as never;
    const payment = { paymentId: 'pay', payerId: 'ann', merchantId: 'shop', amount: 800 };
    expect(feedEntry(event('MerchantPaid', { ...payment, codeId: 'c', dynamic: true }))).toEqual({
      userId: 'ann',
      item: { type: 'merchant-payment-sent', at, amount: 800, counterpartyId: 'shop', refId: 'pay' },
    });
    expect(feedEntry(event('MerchantPaymentReceived', payment))).toEqual({
      userId: 'shop',
      item: { type: 'merchant-payment-received', at, amount: 800, counterpartyId: 'ann', refId: 'pay' },
    });
    expect(feedEntry(event('MerchantPaymentReturned', { ...payment, reason: 'code-used' }))).toEqual({
      userId: 'ann',
      item: { type: 'merchant-payment-returned', at, amount: 800, counterpartyId: 'shop', refId: 'pay' },
    });
    expect(feedEntry(event('PaymentCodeIssued', { codeId: 'c', merchantId: 'shop' }))).toBeUndefined();
  });

  it('adds the item under its position and trims the feed to its length', () => {
    const funded = workload.events[1];
    const changes = feedProjection(3).project(funded);
    expect(changes).toEqual([
      { op: 'zadd', key: 'feed:alice', score: 0, member: expect.stringMatching(new RegExp(`^${padPosition(funded.position)}\\|\\{`)) },
      { op: 'ztrim', key: 'feed:alice', keep: 3 },
    ]);
    // The same event always makes the same member, so a redelivery is the same set member.
    expect(feedProjection(3).project(funded)).toEqual(changes);
    expect(feedProjection().project(funded)[1]).toEqual({ op: 'ztrim', key: 'feed:alice', keep: 1000 });
    expect(() => feedProjection(0)).toThrow(RangeError);
  });

  it('decodes members and cursors it made', () => {
    const entry = feedEntry(workload.events[1]);
    const member = feedMember(2n ** 64n, entry!.item);
    expect(feedItemOf(member)).toEqual(entry!.item);
    expect(feedCursorBound(encodeFeedCursor(member))).toBe(padPosition(2n ** 64n));
    for (const bad of ['', '!!', Buffer.from('-1').toString('base64url'), Buffer.from('01').toString('base64url'), 'x'.repeat(65)]) {
      expect(() => feedCursorBound(bad)).toThrow(InvalidFeedCursor);
    }
    // One spelling per position: "MTIzNB" decodes to the same "1234" as "MTIzNA" (its last
    // character's four low bits are dropped), and a padded one to the same too.
    const cursor = Buffer.from('1234').toString('base64url');
    expect(feedCursorBound(cursor)).toBe(padPosition(1234n));
    for (const other of ['MTIzNB', 'MTIzNP', `${cursor}==`]) {
      expect(Buffer.from(other, 'base64url').toString('utf8')).toBe('1234');
      expect(() => feedCursorBound(other)).toThrow(InvalidFeedCursor);
    }
  });
});
