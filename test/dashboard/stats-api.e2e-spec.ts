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

  it('counts the last hour per minute and reports no lag once caught up', async () => {
    const throughput = await admin().get('/v1/admin/stats/throughput').expect(200);
    expect(throughput.body.minutes).toHaveLength(60);
    // The manual clock stands on the last write's minute: every event of that hour is in the window.
    expect(throughput.body.events).toBeGreaterThan(0);
    expect(throughput.body.minutes[59].at).toBe('2026-12-01T01:00');
    expect(throughput.body.lag).toMatchObject({ behindEvents: 0, behindSeconds: 0 });
    expect(throughput.body.lag.watermark).toBe(throughput.body.lag.head);
  });

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
    for (const [query, field] of bad) {
      const refused = await admin().get(`/v1/admin/stats/daily?${query}`);
      expect({ query, status: refused.status }).toEqual({ query, status: 400 });
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
