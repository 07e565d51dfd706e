import fc from 'fast-check';
import { auditLedger } from '@zan/domain';
import type { EventDataByType } from '@zan/contracts';
import { HistoryBuilder } from '../testing/history';
import { asStored } from '../testing/stored';
import { Ledger } from './ledger';

const NOW = new Date('2030-01-01T00:00:00Z');
const ledgerOf = (h: HistoryBuilder, graceMs = Infinity): Ledger => {
  const ledger = new Ledger();
  for (const event of asStored(h.planned)) ledger.apply(event);
  ledger.finish(NOW, graceMs);
  return ledger;
};
const kinds = (ledger: Ledger) => ledger.findings.map((f) => f.kind);

describe('Ledger (the audit, recomputed from events)', () => {
  const clean = () => {
    const h = new HistoryBuilder(new Date('2026-01-01T00:00:00Z'));
    h.open('a').open('b').fund('a', 1_000).fund('b', 100);
    h.transfer('a', 'b', 300).tip('b', 'a', 'art', 250);
    h.redPacket('a', 200, 2, [['b', 50]], { expire: true });
    h.redPacket('b', 90, 3, [['a', 30]]);
    h.withdraw('b', 100);
    return h;
  };

  it('balances a clean history and holds the money equation', () => {
    const ledger = ledgerOf(clean());
    expect(ledger.findings).toEqual([]);
    expect(ledger.wallets.get('a')!.balance).toBe(1_000 - 300 + 250 - 200 + 150 + 30);
    expect(ledger.wallets.get('b')!.balance).toBe(100 + 300 - 250 + 50 - 90 - 100);
    expect(ledger.conservation()).toEqual({
      balances: 940,
      held: 90 - 30,
      heldByGroupBuys: 0,
      inFlight: 0,
      fundings: 1_100,
      withdrawals: 100,
      left: 1_000,
      right: 1_000,
      holds: true,
    });
  });

  it('counts a group buy’s holds as held (never missing while the group is open), each paid or returned once', () => {
    const h = clean();
    const hold = (buyerId: string, joinId: string) =>
      h.add(`wallet-${buyerId}`, 'GroupBuyFundsHeld', { groupBuyId: 'g1', joinId, productId: 'p1', merchantId: 'b', buyerId, amount: 100 }, buyerId);
    const first = hold('a', 'j1');
    hold('a', 'j2');
    expect(ledgerOf(h, 60_000).conservation()).toMatchObject({ heldByGroupBuys: 200, inFlight: 0, holds: true });
    expect(kinds(ledgerOf(h, 60_000))).toEqual([]);
    h.add(
      'wallet-b',
      'GroupBuyPaymentReceived',
      { groupBuyId: 'g1', orderId: 'j1', productId: 'p1', merchantId: 'b', buyerId: 'a', amount: 100 },
      'system',
      first,
    );
    h.add('wallet-a', 'GroupBuyFundsReturned', { groupBuyId: 'g1', joinId: 'j2', buyerId: 'a', amount: 100, reason: 'failed' }, 'system');
    const settled = ledgerOf(h);
    expect(settled.conservation()).toMatchObject({ heldByGroupBuys: 0, inFlight: 0, holds: true });
    expect(kinds(settled)).toEqual([]);
    h.add('wallet-a', 'GroupBuyFundsReturned', { groupBuyId: 'g1', joinId: 'j1', buyerId: 'a', amount: 100, reason: 'failed' }, 'system');
    expect(kinds(ledgerOf(h))).toContain('duplicate-credit');
  });

  it('holds a group buy’s money only while the group is open: once it completes, fails or refuses the join, a missing payment or return is found', () => {
    const h = clean().open('m', 'business').fund('b', 1_000);
    const member = (buyerId: string, joinId: string) => {
      h.add(`wallet-${buyerId}`, 'GroupBuyFundsHeld', { groupBuyId: 'g1', joinId, productId: 'p1', merchantId: 'm', buyerId, amount: 100 }, buyerId);
      return { buyerId, joinId, amount: 100, holdId: joinId };
    };
    const members = [member('a', 'j1'), member('b', 'j2')];
    h.add('wallet-a', 'GroupBuyFundsHeld', { groupBuyId: 'g2', joinId: 'j3', productId: 'p1', merchantId: 'm', buyerId: 'a', amount: 70 }, 'a');
    expect(ledgerOf(h, 60_000).conservation()).toMatchObject({ heldByGroupBuys: 270, inFlight: 0, holds: true });
    // The group fails and the late join is refused: nothing is held any more, both returns are owed.
    h.add('group-buy-g1', 'GroupBuyFailed', { groupBuyId: 'g1', productId: 'p1', merchantId: 'm', members }, 'system');
    h.add('group-buy-g2', 'GroupBuyJoinRefused', { groupBuyId: 'g2', buyerId: 'a', joinId: 'j3', amount: 70, holdId: 'j3', reason: 'full' }, 'system');
    expect(ledgerOf(h).conservation()).toMatchObject({ heldByGroupBuys: 0, inFlight: 270, holds: true });
    const lost = ledgerOf(h, 60_000);
    expect(kinds(lost)).toEqual(['missing-credit', 'missing-credit', 'missing-credit']);
    expect(lost.findings.map((f) => f.message).join('\n')).toMatch(/group-buy:j1, 100 fen for a\)/);
    h.add('wallet-a', 'GroupBuyFundsReturned', { groupBuyId: 'g1', joinId: 'j1', buyerId: 'a', amount: 100, reason: 'failed' }, 'system');
    h.add('wallet-b', 'GroupBuyFundsReturned', { groupBuyId: 'g1', joinId: 'j2', buyerId: 'b', amount: 100, reason: 'failed' }, 'system');
    h.add('wallet-a', 'GroupBuyFundsReturned', { groupBuyId: 'g2', joinId: 'j3', buyerId: 'a', amount: 70, reason: 'refused' }, 'system');
    expect(kinds(ledgerOf(h, 60_000))).toEqual([]);
    // A completed group owes the merchant each member's payment.
    const paid = [member('a', 'j4')];
    h.add('group-buy-g1', 'GroupBuyCompleted', { groupBuyId: 'g1', productId: 'p1', merchantId: 'm', members: paid }, 'system');
    expect(ledgerOf(h, 60_000).findings.map((f) => f.message)).toEqual([expect.stringMatching(/group-buy:j4, 100 fen for m\)/)]);
  });

  it('checks a group buy’s order like any order: its refunds paired and never past what its hold paid', () => {
    const h = clean();
    const first = h.add('wallet-a', 'GroupBuyFundsHeld', { groupBuyId: 'g1', joinId: 'j1', productId: 'p1', merchantId: 'b', buyerId: 'a', amount: 100 }, 'a');
    const order = { orderId: 'j1', merchantId: 'b', buyerId: 'a' };
    h.add('wallet-b', 'GroupBuyPaymentReceived', { ...order, groupBuyId: 'g1', productId: 'p1', amount: 100 }, 'system', first);
    const refund = (refundId: string, amount: number) => {
      const paid = h.add('wallet-b', 'OrderRefunded', { ...order, refundId, amount }, 'b');
      h.add('wallet-a', 'OrderRefundReceived', { ...order, refundId, amount }, 'system', paid);
    };
    refund('r1', 60);
    refund('r2', 40);
    const exact = ledgerOf(h);
    expect(kinds(exact)).toEqual([]);
    expect(exact.commerce.orders).toEqual({ paid: 100, count: 1, refunded: 100, refunds: 2 });
    refund('r3', 1);
    expect(kinds(ledgerOf(h))).toContain('order');
  });

  it('pairs payments by code with the merchant credit or the payer return, and checks single use of dynamic codes', () => {
    const h = clean().open('shop', 'business').fund('b', 1_000);
    const code = 'c'.repeat(64);
    const pay = (paymentId: string, payerId: string, amount: number, dynamic: boolean) =>
      h.add(`wallet-${payerId}`, 'MerchantPaid', { paymentId, payerId, merchantId: 'shop', codeId: code, amount, dynamic }, payerId);
    const staticPaid = pay('p1', 'a', 100, false);
    h.add('wallet-shop', 'MerchantPaymentReceived', { paymentId: 'p1', payerId: 'a', merchantId: 'shop', amount: 100 }, 'a', staticPaid);
    const won = pay('p2', 'a', 70, true);
    const lost = pay('p3', 'b', 70, true);
    h.add(`payment-code-${code}`, 'PaymentCodeRedeemed', { codeId: code, merchantId: 'shop', paymentId: 'p2', payerId: 'a', amount: 70 }, 'a', won);
    h.add('wallet-b', 'MerchantPaymentReturned', { paymentId: 'p3', payerId: 'b', merchantId: 'shop', amount: 70, reason: 'code-used' }, 'b', lost);
    h.add('wallet-shop', 'MerchantPaymentReceived', { paymentId: 'p2', payerId: 'a', merchantId: 'shop', amount: 70 }, 'a', won);
    const ledger = ledgerOf(h);
    expect(ledger.findings).toEqual([]);
    expect(ledger.wallets.get('shop')!.balance).toBe(170);
    const { debited, credited, returned } = ledger.merchantPayments;
    expect([debited, credited, returned]).toEqual([
      { count: 3, amount: 240 },
      { count: 2, amount: 170 },
      { count: 1, amount: 70 },
    ]);
    expect(ledger.conservation().holds).toBe(true);

    // A second redemption of the code, and the merchant credited for the payment that lost it.
    h.add(`payment-code-${code}`, 'PaymentCodeRedeemed', { codeId: code, merchantId: 'shop', paymentId: 'p4', payerId: 'b', amount: 70 }, 'b');
    const p5 = pay('p5', 'b', 10, true);
    h.add('wallet-shop', 'MerchantPaymentReceived', { paymentId: 'p5', payerId: 'b', merchantId: 'shop', amount: 10 }, 'b', p5);
    expect(kinds(ledgerOf(h))).toEqual(['payment-code', 'payment-code']);
  });

  it('counts a debit without its credit as in flight, then as missing once older than the grace period', () => {
    const h = clean().transfer('a', 'b', 5, { credit: false });
    expect(ledgerOf(h).inFlight()).toEqual({ amount: 5, count: 1 });
    expect(kinds(ledgerOf(h))).toEqual([]);
    expect(kinds(ledgerOf(h, 60_000))).toEqual(['missing-credit']);
  });

  it('finds double credits, credits with no debit, negative balances, wrong amounts and misdirected credits', () => {
    const h = clean();
    const debit = h.planned.find((p) => p.event.type === 'FundsTransferred')!;
    const credit = h.planned.find((p) => p.event.type === 'TransferReceived')!;
    h.add('wallet-b', 'TransferReceived', credit.event.data as never, 'a', debit.event.id); // twice
    h.add('wallet-c', 'TipReceived', { tipId: 'none', readerId: 'x', authorId: 'c', articleId: 'y', amount: 5 }, 'x'); // from nowhere
    h.add('wallet-c', 'WalletWithdrawn', { userId: 'c', withdrawalId: 'w', cardId: 'k', amount: 10 }, 'c'); // below zero
    h.add('wallet-a', 'TipPraised', { tipId: 't2', readerId: 'a', authorId: 'b', articleId: 'y', amount: 40 }, 'a');
    h.add('wallet-b', 'TipReceived', { tipId: 't2', readerId: 'a', authorId: 'b', articleId: 'y', amount: 41 }, 'a'); // wrong amount
    h.add('wallet-a', 'TipPraised', { tipId: 't3', readerId: 'a', authorId: 'b', articleId: 'y', amount: 7 }, 'a');
    h.add('wallet-a', 'TipReceived', { tipId: 't3', readerId: 'a', authorId: 'b', articleId: 'y', amount: 7 }, 'a'); // wrong wallet
    const found = kinds(ledgerOf(h));
    expect(found).toEqual(
      expect.arrayContaining(['duplicate-credit', 'orphan-credit', 'negative-balance', 'amount-mismatch', 'misdirected-credit', 'conservation']),
    );
  });

  it('finds a payment whose amount is absent or zero, which would count as nothing moved', () => {
    const h = clean();
    const tip = { tipId: 't0', readerId: 'a', authorId: 'b', articleId: 'y', amount: 0 };
    h.add('wallet-b', 'TipReceived', tip, 'a', h.add('wallet-a', 'TipPraised', tip, 'a'));
    const transfer = { transferId: 'x0', fromUserId: 'a', toUserId: 'b' } as EventDataByType['FundsTransferred'];
    h.add('wallet-b', 'TransferReceived', transfer, 'a', h.add('wallet-a', 'FundsTransferred', transfer, 'a'));
    h.add('wallet-a', 'WalletFunded', { userId: 'a', fundingId: 'f0', amount: 0, source: { kind: 'card', cardId: 'card-a' } }, 'a');
    const ledger = ledgerOf(h, 60_000);
    expect(kinds(ledger)).toEqual(['bad-amount', 'bad-amount', 'bad-amount', 'bad-amount', 'bad-amount']);
    expect(ledger.findings[2]!.message).toMatch(/^FundsTransferred .* has amount absent, not a payable number of fen$/);
    // A packet's expiry with nothing left gives back 0: not a finding.
    h.redPacket(
      'a',
      2,
      2,
      [
        ['b', 1],
        ['b', 1],
      ],
      { expire: true },
    );
    expect(kinds(ledgerOf(h, 60_000)).filter((k) => k === 'bad-amount')).toHaveLength(5);
  });

  it('finds a credit that reached someone else than its debit paid, though the credit names them itself', () => {
    const h = clean().open('c').open('m', 'business');
    const paid = h.add('wallet-a', 'FundsTransferred', { transferId: 'x1', fromUserId: 'a', toUserId: 'b', amount: 40 }, 'a');
    h.add('wallet-c', 'TransferReceived', { transferId: 'x1', fromUserId: 'a', toUserId: 'c', amount: 40 }, 'a', paid);
    const hold = { groupBuyId: 'g1', joinId: 'j1', productId: 'p1', merchantId: 'm', buyerId: 'a', amount: 100 };
    h.add('wallet-a', 'GroupBuyFundsHeld', hold, 'a');
    h.add(
      'group-buy-g1',
      'GroupBuyCompleted',
      { groupBuyId: 'g1', productId: 'p1', merchantId: 'm', members: [{ buyerId: 'a', joinId: 'j1', amount: 100, holdId: 'j1' }] },
      'system',
    );
    h.add('wallet-a', 'GroupBuyFundsReturned', { groupBuyId: 'g1', joinId: 'j1', buyerId: 'a', amount: 100, reason: 'failed' }, 'system');
    // A payment by code given back to its payer is rightful.
    const code = 'd'.repeat(64);
    const lost = h.add('wallet-a', 'MerchantPaid', { paymentId: 'p9', payerId: 'a', merchantId: 'm', codeId: code, amount: 5, dynamic: true }, 'a');
    h.add('wallet-a', 'MerchantPaymentReturned', { paymentId: 'p9', payerId: 'a', merchantId: 'm', amount: 5, reason: 'code-used' }, 'a', lost);
    const ledger = ledgerOf(h, 60_000);
    expect(ledger.findings.map((f) => f.message)).toEqual([
      expect.stringMatching(/^transfer:x1: FundsTransferred at \d+ paid b, TransferReceived at \d+ credited c$/),
      expect.stringMatching(/^group-buy:j1: GroupBuyFundsHeld at \d+ paid m, GroupBuyFundsReturned at \d+ credited a$/),
    ]);
    expect(ledger.conservation().holds).toBe(true);
  });

  it('checks red packets: one claim per user, never more than they hold, expiry returns the rest', () => {
    const h = new HistoryBuilder();
    h.open('a').open('b').fund('a', 1_000);
    let id = '';
    h.redPacket(
      'a',
      100,
      2,
      [
        ['b', 60],
        ['b', 60],
      ],
      { onId: (x) => (id = x), expire: true },
    );
    const messages = ledgerOf(h)
      .findings.map((f) => f.message)
      .join('\n');
    expect(messages).toContain(`b claimed red packet ${id} twice`);
    expect(messages).toContain(`red packet ${id} paid out more than its 100 fen`);
    expect(messages).toContain(`red packet ${id} expired after all its shares were claimed`);
  });

  /** A random history: payments of every kind, some credits dropped, some credits made up. */
  const history = fc
    .array(
      fc.record({
        op: fc.constantFrom('fund', 'withdraw', 'transfer', 'tip', 'packet', 'orphan'),
        from: fc.integer({ min: 0, max: 3 }),
        to: fc.integer({ min: 0, max: 3 }),
        amount: fc.integer({ min: 1, max: 3_000 }),
        credit: fc.boolean(),
        claims: fc.integer({ min: 0, max: 3 }),
        expire: fc.boolean(),
      }),
      { maxLength: 40 },
    )
    .map((ops) => {
      const users = ['u0', 'u1', 'u2', 'u3'];
      const h = new HistoryBuilder(new Date('2026-01-01T00:00:00Z'));
      for (const u of users) h.open(u).fund(u, 2_000);
      for (const o of ops) {
        const [a, b] = [users[o.from], users[o.to === o.from ? (o.to + 1) % 4 : o.to]];
        if (o.op === 'fund') h.fund(a, o.amount);
        if (o.op === 'withdraw') h.withdraw(a, o.amount); // may go below zero: both must say so
        if (o.op === 'transfer') h.transfer(a, b, o.amount, { credit: o.credit });
        if (o.op === 'tip') h.tip(a, b, 'x', o.amount);
        if (o.op === 'orphan') h.add(`wallet-${b}`, 'TransferReceived', { transferId: `made-up-${o.amount}`, fromUserId: a, toUserId: b, amount: o.amount }, a);
        if (o.op === 'packet') {
          const shares = Math.max(o.claims, 1);
          const share = Math.floor(o.amount / shares);
          h.redPacket(
            a,
            o.amount,
            shares,
            users
              .filter((u) => u !== a)
              .slice(0, o.claims)
              .map((u) => [u, share] as [string, number]),
            { expire: o.expire },
          );
        }
      }
      return h;
    });

  it('agrees with the domain audit (auditLedger) on every balance, the equation and whether a history is clean', () => {
    fc.assert(
      fc.property(history, (h) => {
        const ledger = ledgerOf(h);
        const domain = auditLedger(asStored(h.planned));
        for (const [userId, wallet] of ledger.wallets) expect(wallet.balance).toBe(domain.balances.get(`wallet-${userId}`) ?? 0);
        const c = ledger.conservation();
        expect([c.held, c.inFlight, c.fundings, c.withdrawals]).toEqual([domain.heldByPackets, domain.inFlight, domain.fundings, domain.withdrawals]);
        expect(c.holds).toBe(!domain.problems.some((p) => p.startsWith('conservation')));
        expect(ledger.findingCount === 0).toBe(domain.problems.length === 0);
      }),
      { seed: Number(process.env.FC_SEED ?? 42), numRuns: Number(process.env.FC_RUNS ?? 200) },
    );
  });
});
