import { ManualClock } from '@zan/platform';
import { clientFor } from '../support/http-client';
import { type RunningZan, startEmbeddedZan } from '../support/stacks';
import { EXPECTED, HISTORY_DAYS, seedHistory } from './dashboard-history';

/** The dashboard's admin routes (/v1/admin/stats/...) on the embedded store over a known history. */
describe('admin stats routes (embedded)', () => {
  let zan: RunningZan;
  const clock = new ManualClock();
  const admin = () => clientFor(zan.app, 'ops', { roles: ['admin'] });
  const range = `from=${HISTORY_DAYS[0]}&to=${HISTORY_DAYS[1]}`;

  beforeAll(async () => {
    zan = await startEmbeddedZan({ clock });
    await seedHistory(zan.app, clock);
  }, 120_000);
  afterAll(async () => {
    await zan?.close();
  }, 60_000);

  it('answers daily totals per Beijing day and hourly buckets with events per minute', async () => {
    const daily = await admin().get(`/v1/admin/stats/daily?${range}`).expect(200);
    expect(daily.body.from).toBe(HISTORY_DAYS[0]);
    expect(daily.body.buckets.map((b: { at: string }) => b.at)).toEqual([...HISTORY_DAYS]);
    const sum = (field: string) => daily.body.buckets.reduce((total: number, b: Record<string, number>) => total + b[field]!, 0);
    for (const field of [
      'fundings',
      'fundingAmount',
      'withdrawals',
      'withdrawalAmount',
      'tips',
      'tipAmount',
      'likes',
      'redPackets',
      'redPacketAmount',
      'claims',
    ] as const) {
      expect({ field, total: sum(field) }).toEqual({ field, total: EXPECTED[field] });
    }
    expect(daily.body.buckets[0]).toMatchObject(EXPECTED.byDay['2026-11-30']);
    expect(daily.body.buckets[1]).toMatchObject(EXPECTED.byDay['2026-12-01']);

    const hourly = await admin().get(`/v1/admin/stats/hourly?${range}`).expect(200);
    expect(hourly.body.buckets).toHaveLength(48);
    const busy = hourly.body.buckets.filter((b: { events: number }) => b.events > 0);
    expect(busy.map((b: { at: string }) => b.at)).toEqual(['2026-11-30T10', '2026-12-01T01']);
    expect(busy[0].eventsByMinute[0]).toBe(busy[0].events);
  });

  it('ranks authors and articles, shows red-packet luck and the money equation at zero difference', async () => {
    const authors = await admin().get(`/v1/admin/stats/top-authors?${range}`).expect(200);
    expect(authors.body.items).toEqual(EXPECTED.topAuthors);
    const articles = await admin().get(`/v1/admin/stats/top-articles?${range}&limit=1`).expect(200);
    expect(articles.body.items).toEqual(EXPECTED.topArticles.slice(0, 1));

    const luck = await admin().get(`/v1/admin/stats/red-packet-luck?${range}`).expect(200);
    expect(luck.body.claims).toBe(EXPECTED.claims);
    expect(luck.body.histogram).toHaveLength(21);
    expect(luck.body.best).toHaveLength(2);
    expect(luck.body.best[0].luck).toBeGreaterThanOrEqual(luck.body.best[1].luck);

    const money = await admin().get('/v1/admin/stats/money').expect(200);
    expect(money.body).toMatchObject({
      fundings: EXPECTED.fundingAmount,
      withdrawals: EXPECTED.withdrawalAmount,
      netInflow: EXPECTED.netInflow,
      holdings: EXPECTED.netInflow,
      difference: 0,
      inFlight: 0,
    });
    expect(money.body.held).toBe(1_000 - luck.body.best.reduce((sum: number, c: { amount: number }) => sum + c.amount, 0));
  });

  it('answers merchants’ sales and refunds per day, their totals and the top merchants by net sales, agreeing with the merchant’s own report', async () => {
    const sales = await admin().get(`/v1/admin/stats/merchant-sales?${range}`).expect(200);
    expect(sales.body).toMatchObject({ from: HISTORY_DAYS[0], to: HISTORY_DAYS[1] });
    expect(sales.body.totals).toEqual({ ...EXPECTED.sales.totals, gross: EXPECTED.sales.gross, net: EXPECTED.sales.net });
    expect(sales.body.days.map((d: { day: string }) => d.day)).toEqual([...HISTORY_DAYS]);
    expect(sales.body.days[0]).toMatchObject(EXPECTED.sales.byDay['2026-11-30']);
    expect(sales.body.days[1]).toMatchObject(EXPECTED.sales.byDay['2026-12-01']);
    expect(sales.body.topMerchants).toEqual(EXPECTED.sales.topMerchants);
    expect((await admin().get(`/v1/admin/stats/merchant-sales?${range}&limit=1`).expect(200)).body.topMerchants).toEqual(
      EXPECTED.sales.topMerchants.slice(0, 1),
    );

    // Per hour too, in the hourly series: the refund on the second day's first busy hour.
    const hourly = await admin().get(`/v1/admin/stats/hourly?${range}`).expect(200);
    const hour = (at: string) => hourly.body.buckets.find((b: { at: string }) => b.at === at);
    expect(hour('2026-11-30T10')).toMatchObject({ orders: 1, orderAmount: 3_000, groupBuyOrders: 2, groupBuyAmount: 2_400, refunds: 0 });
    expect(hour('2026-12-01T01')).toMatchObject({ codePayments: 2, codePaymentAmount: 950, refunds: 1, refundAmount: 500 });

    // The shop's own report counts the same orders (its group-buy orders included) and refund on the same days.
    const own = await clientFor(zan.app, 'shop').get(`/v1/merchants/me/sales?${range}`).expect(200);
    expect(own.body.days.map((d: { orders: number; gross: number; refunds: number }) => [d.orders, d.gross, d.refunds])).toEqual([
      [1 + 2, 3_000 + 2_400, 0],
      [0, 0, 500],
    ]);

    await clientFor(zan.app, 'shop').get(`/v1/admin/stats/merchant-sales?${range}`).expect(403);
    expect((await admin().get('/v1/admin/stats/merchant-sales?from=2026-12-02&to=2026-12-01').expect(400)).body.errors[0].field).toBe('from');
    expect((await admin().get(`/v1/admin/stats/merchant-sales?${range}&limit=101`).expect(400)).body.errors[0].field).toBe('limit');
  });

  it('counts the last hour per minute and reports no lag once caught up', async () => {
    const throughput = await admin().get('/v1/admin/stats/throughput').expect(200);
    expect(throughput.body.minutes).toHaveLength(60);
    // The manual clock stands on the last write's minute: every event of that hour is in the window.
    expect(throughput.body.events).toBeGreaterThan(0);
    expect(throughput.body.minutes[59].at).toBe('2026-12-01T01:00');
    expect(throughput.body.lag).toMatchObject({ behindEvents: 0, behindSeconds: 0 });
    expect(throughput.body.lag.watermark).toBe(throughput.body.lag.head);
  });

  it('reads its own writes with ?after= on every stats route, like every other query', async () => {
    const routes = ['daily', 'hourly', 'top-authors', 'top-articles', 'red-packet-luck', 'merchant-sales', 'money', 'throughput'];
    const head = (await admin().get('/v1/admin/stats/throughput').expect(200)).body.lag.head as string;
    for (const route of routes) {
      expect({ route, status: (await admin().get(`/v1/admin/stats/${route}?after=${head}`)).status }).toEqual({ route, status: 200 });
      const bad = await admin().get(`/v1/admin/stats/${route}?after=abc`);
      expect({ route, status: bad.status, field: bad.body.errors?.[0]?.field }).toEqual({ route, status: 400, field: 'after' });
    }
    // A position the read models never reach: each waits out the read wait (together), then 503.
    const ahead = await Promise.all(
      routes.map(async (route) => [route, await admin().get(`/v1/admin/stats/${route}?after=${BigInt(head) + 1_000_000n}`)] as const),
    );
    for (const [route, answer] of ahead) {
      expect({ route, status: answer.status, type: answer.body.type }).toEqual({ route, status: 503, type: expect.stringMatching(/read-model-behind$/) });
    }
  }, 60_000);

  it('is admin-only and refuses a bad range with a 400 problem', async () => {
    const user = await clientFor(zan.app, 'alice').get(`/v1/admin/stats/daily?${range}`).expect(403);
    expect(user.headers['content-type']).toMatch(/application\/problem\+json/);
    const bad: [string, string][] = [
      ['from=2026-02-30', 'from'],
      ['from=yesterday', 'from'],
      ['to=2026-12-01&from=2026-12-02', 'from'],
      ['from=2025-01-01&to=2026-12-01', 'to'],
      ['from=2026-11-30&from=2026-12-01', 'from'],
    ];
    // Every route with a range parses it alike (one pipe): each refuses each bad range.
    const routes = ['daily', 'hourly', 'top-authors', 'top-articles', 'red-packet-luck', 'merchant-sales'];
    for (const [[query, field], route] of bad.flatMap((b) => routes.map((r) => [b, r] as const))) {
      const refused = await admin().get(`/v1/admin/stats/${route}?${query}`);
      expect({ route, query, status: refused.status }).toEqual({ route, query, status: 400 });
      expect(refused.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(refused.body.errors).toEqual([expect.objectContaining({ field })]);
    }
    expect((await admin().get('/v1/admin/stats/hourly?from=2026-10-01&to=2026-12-01').expect(400)).body.errors[0].field).toBe('to');
    expect((await admin().get(`/v1/admin/stats/top-authors?${range}&limit=0`).expect(400)).body.errors[0].field).toBe('limit');
    // No range: the last seven Beijing days up to the clock's today.
    const fallback = await admin().get('/v1/admin/stats/daily').expect(200);
    expect(fallback.body).toMatchObject({ from: '2026-11-25', to: '2026-12-01' });
  });
});
