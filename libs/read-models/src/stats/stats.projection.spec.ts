import { daysBetween, beijingDay, beijingHour, beijingMinute, hoursOf, InvalidStatsRange, lastHourBuckets } from './beijing';
import { EVENT_TYPES, walletBalanceDelta } from '@zan/contracts';
import { luckPermille, moneyTermsOf, statsProjection } from './stats.projection';
import { Workload } from '../testing/workload';

describe('Beijing time', () => {
  it('puts 16:00 UTC on the next Beijing day', () => {
    expect(beijingDay('2026-12-05T15:59:59.999Z')).toBe('2026-12-05');
    expect(beijingDay('2026-12-05T16:00:00.000Z')).toBe('2026-12-06');
    expect(beijingHour('2026-12-05T16:30:00.000Z')).toBe('2026-12-06T00');
    expect(beijingMinute('2026-12-05T16:30:00.000Z')).toBe('30');
    expect(beijingDay('2026-12-06T08:00:00+08:00')).toBe('2026-12-06');
  });

  it('lists the days of a range, refusing bad ones', () => {
    expect(daysBetween('2024-02-28', '2024-03-01', 10)).toEqual(['2024-02-28', '2024-02-29', '2024-03-01']);
    expect(hoursOf(['2024-02-28'])).toHaveLength(24);
    expect(() => daysBetween('2023-02-29', '2023-03-01', 10)).toThrow(InvalidStatsRange);
    expect(() => daysBetween('2024-03-02', '2024-03-01', 10)).toThrow(InvalidStatsRange);
    expect(() => daysBetween('2024-01-01', '2024-01-11', 10)).toThrow(InvalidStatsRange);
  });

  it('names the 60 minutes of the last hour across a Beijing midnight', () => {
    const { hours, minutes } = lastHourBuckets(new Date('2026-12-05T16:00:30.000Z'));
    expect(hours).toEqual(['2026-12-05T23', '2026-12-06T00']);
    expect(minutes).toHaveLength(60);
    expect(minutes[0]).toBe('2026-12-05T23:01');
    expect(minutes[59]).toBe('2026-12-06T00:00');
  });
});

describe('statsProjection', () => {
  it('measures luck against the mean share left when claimed', () => {
    expect(luckPermille(300, 700, 2)).toBe(900); // 300 of 1000 for 3 shares
    expect(luckPermille(400, 0, 0)).toBe(1000); // the last share takes what is left
    expect(luckPermille(1, 999, 1)).toBe(2);
  });

  it('changes only by increments and bounded sets, so redeliveries and any order give the same totals', () => {
    const workload = new Workload()
      .open('alice')
      .fund('alice', 5_000)
      .open('bob')
      .publish('bob', 'a')
      .tip('alice', 'bob', 'a', 500)
      .sendRedPacket('alice', 'rp', 100, 2)
      .claim('rp', 'bob', 30);
    const ops = new Set(workload.events.flatMap((event) => statsProjection.project(event).map((change) => change.op)));
    expect([...ops].sort()).toEqual(['hincrby', 'zadd', 'zincrby', 'ztrim']);
    const funded = workload.events.find((event) => event.type === 'WalletFunded')!;
    expect(statsProjection.project(funded)).toEqual([
      { op: 'hincrby', key: 'stats-day:2025-01-01', field: 'events', by: 1 },
      { op: 'hincrby', key: 'stats-hour:2025-01-01T08', field: 'events', by: 1 },
      { op: 'hincrby', key: 'stats-hour:2025-01-01T08', field: 'minute:00', by: 1 },
      { op: 'hincrby', key: 'stats-day:2025-01-01', field: 'fundings', by: 1 },
      { op: 'hincrby', key: 'stats-hour:2025-01-01T08', field: 'fundings', by: 1 },
      { op: 'hincrby', key: 'stats-day:2025-01-01', field: 'fundingAmount', by: 5_000 },
      { op: 'hincrby', key: 'stats-hour:2025-01-01T08', field: 'fundingAmount', by: 5_000 },
      { op: 'hincrby', key: 'stats-money', field: 'balances', by: 5_000 },
      { op: 'hincrby', key: 'stats-money', field: 'fundings', by: 5_000 },
    ]);
  });
});

describe('the money equation over every debit with a credit', () => {
  it('keeps balances + held + in flight equal to fundings - withdrawals after each event, orders included', () => {
    const totals = { balances: 0, held: 0, inFlight: 0, fundings: 0, withdrawals: 0 } as Record<string, number>;
    const event = (streamId: string, type: string, data: object, i: number) =>
      ({ id: `e${i}`, type, version: 1, streamId, revision: i, position: BigInt(i + 1), occurredAt: '2026-12-06T00:00:00.000Z', data, metadata: {} }) as never;
    const order = { orderId: 'o1', buyerId: 'ann', merchantId: 'shop', amount: 700 };
    const history = [
      event('wallet-ann', 'WalletFunded', { userId: 'ann', fundingId: 'f', amount: 1_000, source: { kind: 'card', cardId: 'c' } }, 0),
      event('wallet-ann', 'OrderPlaced', order, 1),
      event('wallet-shop', 'OrderPaymentReceived', order, 2),
      event('wallet-shop', 'OrderRefunded', order, 3),
      event('wallet-ann', 'OrderRefundReceived', order, 4),
    ];
    for (const stored of history) {
      for (const change of statsProjection.project(stored)) if (change.op === 'hincrby' && change.key === 'stats-money') totals[change.field]! += change.by;
      expect(totals.balances! + totals.held! + totals.inFlight!).toBe(totals.fundings! - totals.withdrawals!);
    }
    expect(totals).toEqual({ balances: 1_000, held: 0, inFlight: 0, fundings: 1_000, withdrawals: 0 });
  });
});

describe('the money equation of the stats projection', () => {
  it('balances for every event type: a balance change is matched by held, in flight, fundings or withdrawals', () => {
    for (const type of EVENT_TYPES) {
      const data = { amount: 1_234 };
      const terms = Object.fromEntries(moneyTermsOf(type, data).map(([term, by]) => [term, by])) as Partial<Record<string, number>>;
      const balance = walletBalanceDelta({ type, data });
      const left = balance + (terms.held ?? 0) + (terms.inFlight ?? 0);
      const right = (terms.fundings ?? 0) - (terms.withdrawals ?? 0);
      expect({ type, difference: left - right }).toEqual({ type, difference: 0 });
    }
  });
});

describe('merchants’ sales and refunds', () => {
  const at = (i: number, occurredAt: string, streamId: string, type: string, data: object) =>
    ({ id: `s${i}`, type, version: 1, streamId, revision: i, position: BigInt(i + 1), occurredAt, data, metadata: {} }) as never;
  const DAY_ONE = '2026-11-30T02:00:00.000Z'; // Beijing 2026-11-30 10:00
  const DAY_TWO = '2026-11-30T16:30:00.000Z'; // Beijing 2026-12-01 00:30
  const order = { orderId: 'o1', productId: 'p1', merchantId: 'shop', buyerId: 'ann', quantity: 1, unitPrice: 700, amount: 700 };
  const history = [
    at(0, DAY_ONE, 'wallet-ann', 'OrderPlaced', order),
    at(1, DAY_ONE, 'wallet-shop', 'OrderPaymentReceived', order),
    at(2, DAY_ONE, 'wallet-tea', 'GroupBuyPaymentReceived', {
      groupBuyId: 'g',
      orderId: 'j1',
      productId: 'p2',
      merchantId: 'tea',
      buyerId: 'bo',
      amount: 2_000,
    }),
    at(3, DAY_ONE, 'wallet-tea', 'GroupBuyPaymentReceived', {
      groupBuyId: 'g',
      orderId: 'j2',
      productId: 'p2',
      merchantId: 'tea',
      buyerId: 'cy',
      amount: 2_000,
    }),
    at(4, DAY_TWO, 'wallet-shop', 'MerchantPaymentReceived', { paymentId: 'm1', payerId: 'bo', merchantId: 'shop', amount: 300 }),
    at(5, DAY_TWO, 'wallet-cy', 'MerchantPaid', { paymentId: 'm2', payerId: 'cy', merchantId: 'shop', codeId: 'c', amount: 50, dynamic: true }),
    at(6, DAY_TWO, 'wallet-cy', 'MerchantPaymentReturned', { paymentId: 'm2', payerId: 'cy', merchantId: 'shop', amount: 50, reason: 'code-used' }),
    at(7, DAY_TWO, 'order-o1', 'OrderRefundRequested', { orderId: 'o1', refundId: 'r1', merchantId: 'shop', buyerId: 'ann', amount: 200, requestedBy: 'shop' }),
    at(8, DAY_TWO, 'wallet-shop', 'OrderRefunded', { orderId: 'o1', refundId: 'r1', merchantId: 'shop', buyerId: 'ann', amount: 200 }),
    at(9, DAY_TWO, 'wallet-ann', 'OrderRefundReceived', { orderId: 'o1', refundId: 'r1', merchantId: 'shop', buyerId: 'ann', amount: 200 }),
  ];
  /** The hashes and sorted sets the changes build, as a store would (increments only). */
  const applyAll = () => {
    const totals = new Map<string, number>();
    for (const event of history)
      for (const change of statsProjection.project(event)) {
        const key = change.op === 'hincrby' ? `${change.key}/${change.field}` : change.op === 'zincrby' ? `${change.key}/${change.member}` : undefined;
        if (key && (change.op === 'hincrby' || change.op === 'zincrby')) totals.set(key, (totals.get(key) ?? 0) + change.by);
      }
    return (key: string) => totals.get(key) ?? 0;
  };

  it('counts paid orders, group-buy orders, payments by code and refunds on their Beijing day and hour', () => {
    const read = applyAll();
    const day = (d: string, field: string) => read(`stats-day:${d}/${field}`);
    expect(
      ['orders', 'orderAmount', 'groupBuyOrders', 'groupBuyAmount', 'codePayments', 'codePaymentAmount', 'refunds', 'refundAmount'].map((f) =>
        day('2026-11-30', f),
      ),
    ).toEqual([1, 700, 2, 4_000, 0, 0, 0, 0]);
    expect(
      ['orders', 'orderAmount', 'groupBuyOrders', 'groupBuyAmount', 'codePayments', 'codePaymentAmount', 'refunds', 'refundAmount'].map((f) =>
        day('2026-12-01', f),
      ),
    ).toEqual([0, 0, 0, 0, 1, 300, 1, 200]);
    expect(read('stats-hour:2026-11-30T10/groupBuyAmount')).toBe(4_000);
    expect(read('stats-hour:2026-12-01T00/refundAmount')).toBe(200);
    expect(read('stats-hour:2026-12-01T00/codePaymentAmount')).toBe(300);
  });

  it('scores each merchant by net sales per day: refunds subtract on the day they are paid out', () => {
    const read = applyAll();
    expect([read('stats-merchants:2026-11-30/shop'), read('stats-merchants:2026-11-30/tea')]).toEqual([700, 4_000]);
    expect([read('stats-merchants:2026-12-01/shop'), read('stats-merchants:2026-12-01/tea')]).toEqual([100, 0]);
  });

  it('leaves the money equation at zero once every credit is applied', () => {
    const read = applyAll();
    const money = (field: string) => read(`stats-money/${field}`);
    expect(money('balances') + money('held') + money('inFlight')).toBe(money('fundings') - money('withdrawals'));
  });
});
