import { auditLedger, type AuditedEvent } from './ledger-audit';

let n = 0;
const ev = (streamId: string, type: string, data: object, causationId?: string, id = `e${++n}`): AuditedEvent => ({
  id,
  type,
  streamId,
  revision: n,
  data,
  metadata: causationId ? { causationId } : {},
});

describe('auditLedger', () => {
  const clean = () => [
    ev('wallet-a', 'WalletOpened', { userId: 'a', kind: 'individual' }),
    ev('wallet-a', 'WalletFunded', { amount: 1000 }),
    ev('wallet-a', 'FundsTransferred', { amount: 300, toUserId: 'b' }, undefined, 't1'),
    ev('wallet-b', 'TransferReceived', { amount: 300 }, 't1'),
    ev('wallet-a', 'RedPacketSent', { redPacketId: 'p', amount: 200, shares: 2 }, undefined, 's1'),
    ev('red-packet-p', 'RedPacketEscrowed', { redPacketId: 'p', amount: 200, shares: 2 }, 's1'),
    ev('red-packet-p', 'RedPacketClaimed', { redPacketId: 'p', amount: 50, remainingShares: 1 }, undefined, 'c1'),
    ev('wallet-b', 'RedPacketShareReceived', { amount: 50 }, 'c1'),
    ev('red-packet-p', 'RedPacketExpired', { redPacketId: 'p', amount: 150, remainingShares: 1 }, undefined, 'x1'),
    ev('wallet-a', 'RedPacketRefunded', { amount: 150 }, 'x1'),
    ev('wallet-b', 'WalletWithdrawn', { amount: 100 }),
  ];

  it('passes a clean history and balances it', () => {
    const audit = auditLedger(clean());
    expect(audit.problems).toEqual([]);
    expect(audit.balances.get('wallet-a')).toBe(650);
    expect(audit.balances.get('wallet-b')).toBe(250);
    expect(audit.inFlight).toBe(0);
  });

  it('counts a debit without its credit as money in flight, not a loss', () => {
    const audit = auditLedger(clean().filter((e) => e.type !== 'RedPacketRefunded'));
    expect(audit.problems).toEqual([]);
    expect(audit.inFlight).toBe(150);
  });

  it('finds a double credit, a negative balance, a credit without a debit and money created', () => {
    const events = clean();
    events.push(ev('wallet-b', 'TransferReceived', { amount: 300 }, 't1'));
    events.push(ev('wallet-c', 'WalletWithdrawn', { amount: 1 }));
    events.push(ev('wallet-c', 'TipReceived', { amount: 5 }, 'nothing'));
    const problems = auditLedger(events).problems.join('\n');
    expect(problems).toMatch(/credited 2 times|no debit that caused it/);
    expect(problems).toMatch(/wallet-c went negative/);
    expect(problems).toMatch(/conservation broken/);
  });

  it('checks a group buy’s order like any order: its refunds never past what its hold paid the merchant', () => {
    const order = { groupBuyId: 'g', orderId: 'j1', productId: 'p', merchantId: 'm', buyerId: 'a' };
    const refund = (refundId: string, amount: number) => [
      ev('wallet-m', 'OrderRefunded', { ...order, refundId, amount }, undefined, refundId),
      ev('wallet-a', 'OrderRefundReceived', { ...order, refundId, amount }, refundId),
    ];
    const events = [
      ev('wallet-a', 'WalletFunded', { amount: 1000 }),
      ev('wallet-m', 'WalletFunded', { amount: 1000 }),
      ev('wallet-a', 'GroupBuyFundsHeld', { groupBuyId: 'g', joinId: 'j1', productId: 'p', merchantId: 'm', buyerId: 'a', amount: 100 }, undefined, 'h1'),
      ev('wallet-m', 'GroupBuyPaymentReceived', { ...order, amount: 100 }, 'h1'),
      ev('order-j1', 'OrderOpened', { ...order, quantity: 1, unitPrice: 100, amount: 100 }, 'h1'),
      ...refund('r1', 60),
      ...refund('r2', 40),
    ];
    const audit = auditLedger(events);
    expect(audit.problems).toEqual([]);
    expect(audit).toMatchObject({ ordersPaid: 100, refundsPaid: 100, inFlight: 0, heldByGroupBuys: 0 });
    expect(audit.balances.get('wallet-a')).toBe(1000);
    expect(auditLedger([...events, ...refund('r3', 1)]).problems).toEqual(['order j1 refunded 101 fen of 100 paid']);
  });

  it('pairs a group buy’s hold with its payment or return by the join, caused by the event that settles it', () => {
    const member = { groupBuyId: 'g', productId: 'p', merchantId: 'm', buyerId: 'a' };
    const held = (joinId: string, id: string) => ev('wallet-a', 'GroupBuyFundsHeld', { ...member, joinId, amount: 100 }, undefined, id);
    const events = [
      ev('wallet-a', 'WalletFunded', { amount: 1000 }),
      held('j1', 'h1'),
      held('j2', 'h2'),
      held('j3', 'h3'),
      ev('group-buy-g', 'GroupBuyCompleted', { ...member, members: [] }, 'h2', 'done'),
      ev('wallet-m', 'GroupBuyPaymentReceived', { ...member, orderId: 'j1', amount: 100 }, 'done'),
      ev('wallet-a', 'GroupBuyFundsReturned', { ...member, joinId: 'j2', amount: 100, reason: 'refused' }, 'refusal'),
    ];
    const audit = auditLedger(events);
    expect(audit.problems).toEqual([]);
    expect(audit).toMatchObject({ heldByGroupBuys: 100, inFlight: 0 });
    // Both sides for one hold, whatever causes them: credited twice.
    const twice = auditLedger([...events, ev('wallet-a', 'GroupBuyFundsReturned', { ...member, joinId: 'j1', amount: 100, reason: 'failed' }, 'failure')]);
    expect(twice.problems).toContain('debit h1 was credited 2 times');
  });
});
