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

  it('holds a group buy’s money only until its group decides: then its payment or return is owed, in flight until stored', () => {
    const member = { groupBuyId: 'g', productId: 'p', merchantId: 'm' };
    const events = [
      ev('wallet-a', 'WalletFunded', { amount: 1000 }),
      ev('wallet-a', 'GroupBuyFundsHeld', { ...member, buyerId: 'a', joinId: 'j1', amount: 100 }, undefined, 'h1'),
      ev('wallet-a', 'GroupBuyFundsHeld', { ...member, buyerId: 'a', joinId: 'j2', amount: 70 }, undefined, 'h2'),
    ];
    expect(auditLedger(events)).toMatchObject({ heldByGroupBuys: 170, inFlight: 0, problems: [] });
    events.push(ev('group-buy-g', 'GroupBuyFailed', { ...member, members: [{ buyerId: 'a', joinId: 'j1', amount: 100 }] }, undefined, 'failed'));
    events.push(ev('group-buy-g', 'GroupBuyJoinRefused', { groupBuyId: 'g', buyerId: 'a', joinId: 'j2', amount: 70, reason: 'full' }, undefined, 'refused'));
    // A return lost after the decision is no longer hidden among the holds.
    expect(auditLedger(events)).toMatchObject({ heldByGroupBuys: 0, inFlight: 170, problems: [] });
    events.push(ev('wallet-a', 'GroupBuyFundsReturned', { ...member, buyerId: 'a', joinId: 'j1', amount: 100, reason: 'failed' }, 'failed'));
    events.push(ev('wallet-a', 'GroupBuyFundsReturned', { ...member, buyerId: 'a', joinId: 'j2', amount: 70, reason: 'refused' }, 'refused'));
    expect(auditLedger(events)).toMatchObject({ heldByGroupBuys: 0, inFlight: 0, problems: [] });
  });

  it('finds a credit on another wallet than its debit paid, and a payment of no fen', () => {
    const events = [
      ev('wallet-a', 'WalletFunded', { amount: 1000 }),
      ev('wallet-a', 'FundsTransferred', { amount: 40, toUserId: 'b' }, undefined, 't1'),
      ev('wallet-c', 'TransferReceived', { amount: 40 }, 't1', 'to-c'),
      ev('wallet-a', 'GroupBuyFundsHeld', { groupBuyId: 'g', joinId: 'j1', productId: 'p', merchantId: 'm', buyerId: 'a', amount: 100 }, undefined, 'h1'),
      ev('group-buy-g', 'GroupBuyCompleted', { groupBuyId: 'g', merchantId: 'm', members: [{ buyerId: 'a', joinId: 'j1', amount: 100 }] }, undefined, 'done'),
      ev('wallet-a', 'GroupBuyFundsReturned', { groupBuyId: 'g', joinId: 'j1', buyerId: 'a', amount: 100, reason: 'failed' }, 'done', 'back'),
      // A payment by code given back to its payer is rightful.
      ev('wallet-a', 'MerchantPaid', { paymentId: 'p9', payerId: 'a', merchantId: 'm', amount: 5 }, undefined, 'pay'),
      ev('wallet-a', 'MerchantPaymentReturned', { paymentId: 'p9', payerId: 'a', merchantId: 'm', amount: 5 }, 'pay'),
      ev('wallet-a', 'TipPraised', { tipId: 'x', authorId: 'b', amount: 0 }, undefined, 'tip0'),
      ev('wallet-b', 'TipReceived', { tipId: 'x', authorId: 'b', amount: 0 }, 'tip0', 'got0'),
    ];
    expect(auditLedger(events).problems).toEqual([
      'TransferReceived to-c credits wallet-c, where its debit paid wallet-b',
      'GroupBuyFundsReturned back credits wallet-a, where its debit paid wallet-m',
      'TipPraised tip0 moves 0, not a payable number of fen',
      'TipReceived got0 moves 0, not a payable number of fen',
    ]);
  });
});
