import { InvalidStatsRange } from '../stats/beijing';
import type { Applied, ReadModelStore } from '../read-model-store.port';
import { Workload, kafkaInterleaving, seededRandom } from './workload';

/** Everything the dashboard reads for the days of a range, for comparing two stores. */
export const statsSnapshot = async (store: ReadModelStore, from: string, to: string) => ({
  days: await store.stats({ unit: 'day', from, to }),
  hours: await store.stats({ unit: 'hour', from, to }),
  authors: await store.statsTop({ kind: 'authors', from, to, limit: 100 }),
  articles: await store.statsTop({ kind: 'articles', from, to, limit: 100 }),
  luck: await store.luckiestClaims(from, to, 100),
  money: await store.moneyTotals(),
});

/** Starts 2 s before Beijing midnight: the first events count on 2025-01-01, the rest on 2025-01-02. */
const acrossMidnight = (): Workload =>
  new Workload({ startAt: new Date('2025-01-01T15:59:58.000Z') })
    .open('alice') // 23:59:58
    .fund('alice', 10_000) // 23:59:59
    .fund('alice', 20_000) // 00:00:00 on the 2nd
    .open('bob')
    .publish('bob', 'art-1')
    .like('art-1', 'alice')
    .unlike('art-1', 'alice')
    .tip('alice', 'bob', 'art-1', 1_234)
    .withdraw('alice', 500);

const applyAll = async (store: ReadModelStore, deliveries: Applied[]): Promise<void> => {
  for (const delivery of deliveries) await store.apply(delivery);
};

/** The dashboard's aggregates (stats/): part of every store's contract. */
export const statsContract = (newStore: () => Promise<ReadModelStore>): void => {
  describe('dashboard aggregates', () => {
    it('counts each event on its Beijing day, hour and minute', async () => {
      const store = await newStore();
      const workload = acrossMidnight();
      await applyAll(store, workload.deliveries());

      const [first, second] = await store.stats({ unit: 'day', from: '2025-01-01', to: '2025-01-02' });
      expect(first).toMatchObject({ at: '2025-01-01', events: 2, fundings: 1, fundingAmount: 10_000, tips: 0 });
      expect(second).toMatchObject({
        at: '2025-01-02',
        events: workload.events.length - 2,
        fundings: 1,
        fundingAmount: 20_000,
        likes: 1,
        unlikes: 1,
        tips: 1,
        tipAmount: 1_234,
        withdrawals: 1,
        withdrawalAmount: 500,
      });
      expect(second!.luck).toHaveLength(21);

      const hours = await store.stats({ unit: 'hour', from: '2025-01-01', to: '2025-01-02' });
      expect(hours).toHaveLength(48);
      expect(hours[23]).toMatchObject({ at: '2025-01-01T23', events: 2, fundingAmount: 10_000 });
      expect(hours[23]!.eventsByMinute![59]).toBe(2);
      expect(hours[24]).toMatchObject({ at: '2025-01-02T00', events: workload.events.length - 2, tipAmount: 1_234 });
      expect(hours[24]!.eventsByMinute![0]).toBe(workload.events.length - 2);
      expect(hours.filter((h) => h.events > 0).map((h) => h.at)).toEqual(['2025-01-01T23', '2025-01-02T00']);
      expect(await store.statsTop({ kind: 'authors', from: '2025-01-01', to: '2025-01-01', limit: 5 })).toEqual([]);
      expect(await store.statsTop({ kind: 'authors', from: '2025-01-02', to: '2025-01-02', limit: 5 })).toEqual([{ id: 'bob', amount: 1_234 }]);
    });

    it('answers zeros for days with nothing and an empty store', async () => {
      const store = await newStore();
      expect(await store.stats({ unit: 'day', from: '2030-05-01', to: '2030-05-01' })).toEqual([
        expect.objectContaining({ at: '2030-05-01', events: 0, tipAmount: 0, luck: new Array(21).fill(0) }),
      ]);
      expect(await store.moneyTotals()).toEqual({ balances: 0, held: 0, inFlight: 0, fundings: 0, withdrawals: 0 });
      expect(await store.luckiestClaims('2030-05-01', '2030-05-31', 10)).toEqual([]);
    });

    it('refuses a bad day, a reversed range and one too long', async () => {
      const store = await newStore();
      await expect(store.stats({ unit: 'day', from: '2025-02-30', to: '2025-03-01' })).rejects.toThrow(InvalidStatsRange);
      await expect(store.stats({ unit: 'day', from: '2025-03-02', to: '2025-03-01' })).rejects.toThrow(InvalidStatsRange);
      await expect(store.stats({ unit: 'day', from: '2025-01-01', to: '2026-01-02' })).rejects.toThrow(InvalidStatsRange);
      await expect(store.stats({ unit: 'hour', from: '2025-01-01', to: '2025-02-01' })).rejects.toThrow(InvalidStatsRange);
      await expect(store.statsTop({ kind: 'articles', from: '2025-1-1', to: '2025-01-02', limit: 1 })).rejects.toThrow(InvalidStatsRange);
      expect(await store.stats({ unit: 'hour', from: '2025-01-01', to: '2025-01-31' })).toHaveLength(31 * 24);
    });

    it('ranks merchants by net sales over the days of a range: refunds subtract on the day they are paid', async () => {
      const store = await newStore();
      const sale = (i: number, occurredAt: string, type: string, merchantId: string, amount: number): Applied => ({
        category: 'wallet',
        prevPosition: BigInt(i),
        event: {
          id: `m${i}`,
          type,
          version: 1,
          streamId: `wallet-${merchantId}`,
          revision: i,
          position: BigInt(i + 1),
          occurredAt,
          data: { orderId: `o${i}`, paymentId: `p${i}`, merchantId, buyerId: 'ann', payerId: 'ann', amount },
          metadata: { correlationId: `c${i}`, causationId: `c${i}`, userId: 'ann' },
        } as never,
      });
      await applyAll(store, [
        sale(0, '2025-01-01T02:00:00.000Z', 'OrderPaymentReceived', 'shop', 700), // a credit: counted at OrderPlaced, not here
        sale(1, '2025-01-01T02:00:00.000Z', 'GroupBuyPaymentReceived', 'shop', 2_000),
        sale(2, '2025-01-01T02:00:00.000Z', 'MerchantPaymentReceived', 'kiosk', 900),
        sale(3, '2025-01-02T02:00:00.000Z', 'OrderRefunded', 'shop', 1_500),
      ]);
      expect(await store.statsTop({ kind: 'merchants', from: '2025-01-01', to: '2025-01-01', limit: 5 })).toEqual([
        { id: 'shop', amount: 2_000 },
        { id: 'kiosk', amount: 900 },
      ]);
      expect(await store.statsTop({ kind: 'merchants', from: '2025-01-01', to: '2025-01-02', limit: 5 })).toEqual([
        { id: 'kiosk', amount: 900 },
        { id: 'shop', amount: 500 },
      ]);
      const [day] = await store.stats({ unit: 'day', from: '2025-01-02', to: '2025-01-02' });
      expect(day).toMatchObject({ refunds: 1, refundAmount: 1_500, orders: 0 });
    });

    it('keeps the money equation, the top lists and the luck through redeliveries and any interleaving', async () => {
      const workload = new Workload({ startAt: new Date('2025-01-01T15:59:50.000Z') })
        .open('alice')
        .open('bob')
        .open('carol')
        .fund('alice', 100_000)
        .fund('carol', 50_000)
        .tip('alice', 'bob', 'art-1', 500)
        .tip('carol', 'bob', 'art-2', 1_000)
        .tip('alice', 'carol', 'art-9', 1_500)
        .sendRedPacket('alice', 'rp-1', 1_000, 3)
        .claim('rp-1', 'bob', 300) // 300 of 1000 left for 3 shares: luck 0.9
        .claim('rp-1', 'carol', 200) // 200 of 700 for 2: 0.571
        .sendRedPacket('carol', 'rp-2', 500, 2)
        .claim('rp-2', 'bob', 100) // 100 of 500 for 2: 0.4
        .expire('rp-1')
        .withdraw('carol', 3_000);
      const inOrder = await newStore();
      await applyAll(inOrder, workload.deliveries());
      const expected = await statsSnapshot(inOrder, '2025-01-01', '2025-01-02');

      expect(expected.money).toEqual({ balances: 146_600, held: 400, inFlight: 0, fundings: 150_000, withdrawals: 3_000 });
      const { balances, held, inFlight, fundings, withdrawals } = expected.money;
      expect(balances + held + inFlight).toBe(fundings - withdrawals);
      expect(expected.authors).toEqual([
        { id: 'bob', amount: 1_500 },
        { id: 'carol', amount: 1_500 },
      ]);
      expect(expected.articles).toEqual([
        { id: 'art-9', amount: 1_500 },
        { id: 'art-2', amount: 1_000 },
        { id: 'art-1', amount: 500 },
      ]);
      expect(expected.luck.map((c) => [c.userId, c.redPacketId, c.amount, c.luckPermille])).toEqual([
        ['bob', 'rp-1', 300, 900],
        ['carol', 'rp-1', 200, 571],
        ['bob', 'rp-2', 100, 400],
      ]);
      const luck = expected.days.reduce((sum, day) => sum.map((n, i) => n + day.luck![i]!), new Array<number>(21).fill(0));
      expect(luck[9]).toBe(1);
      expect(luck[5]).toBe(1);
      expect(luck[4]).toBe(1);
      expect(luck.reduce((a, b) => a + b)).toBe(3);

      const halfway = await newStore();
      await applyAll(halfway, workload.deliveries().slice(0, 12));
      const money = await halfway.moneyTotals();
      expect(money.balances + money.held + money.inFlight).toBe(money.fundings - money.withdrawals);

      for (const seed of [1, 2]) {
        const shuffled = await newStore();
        await applyAll(shuffled, kafkaInterleaving(workload.deliveries(), seededRandom(seed), 0.3));
        expect(await statsSnapshot(shuffled, '2025-01-01', '2025-01-02')).toEqual(expected);
      }
    });
  });
};
