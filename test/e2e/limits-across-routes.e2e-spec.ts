import { productStream, walletStream } from '@zan/contracts';
import { auditLedger } from '@zan/domain';
import { EVENT_STORE, type EventStore } from '@zan/event-store';
import { ManualClock } from '@zan/platform';
import { type Client, clientFor, fundedUser, publishArticle } from '../support/http-client';
import { readAllEvents } from '../support/read-model-snapshot';
import { type RunningZan, startEmbeddedZan } from '../support/stacks';

const later = (...positions: string[]): string => positions.reduce((a, b) => (BigInt(a) > BigInt(b) ? a : b), '0');

/**
 * A tier's daily limit is one budget across every way money leaves a wallet: a transfer, a tip, a red
 * packet and an order all count, so splitting a payment over routes, or sending the pieces at once,
 * never passes it. Then a mixed storm (orders, refunds, transfers, tips, red packets and claims,
 * withdrawals, all at once) leaves the money equation exact and no balance negative.
 */
describe('limits across routes, and a mixed storm’s audit (embedded)', () => {
  const clock = new ManualClock(new Date('2026-12-30T02:00:00Z')); // 10:00 in Beijing
  let zan: RunningZan;
  let store: EventStore;
  let shop: Client;
  let productId: string;

  beforeAll(async () => {
    zan = await startEmbeddedZan({
      clock,
      env: {
        ZAN_READ_WAIT_MS: '3000',
        ZAN_DAILY_SPEND_LIMIT: '0',
        ZAN_TIER_INDIVIDUAL_PER_PAYMENT: '0',
        ZAN_TIER_INDIVIDUAL_DAILY: '4000',
        ZAN_TIER_INDIVIDUAL_ANNUAL: '0',
        ZAN_TIER_BUSINESS_PER_PAYMENT: '0',
        ZAN_TIER_BUSINESS_DAILY: '0',
        ZAN_TIER_BUSINESS_ANNUAL: '0',
      },
    });
    store = zan.app.get<EventStore>(EVENT_STORE);
    shop = (await fundedUser(zan.app, 'lim-shop', 0, 'business')).client;
    productId = (await shop.post('/v1/merchants/me/products', { title: '咖啡', price: 1_000, stock: null }).expect(201)).body.productId;
    await fundedUser(zan.app, 'lim-author', 0);
    await publishArticle(zan.app, 'lim-author', 'lim-article');
  }, 120_000);
  afterAll(async () => {
    await zan?.close();
  }, 60_000);

  const order = (client: Client, quantity = 1) => client.post('/v1/orders', { productId, quantity, expectedPrice: 1_000 });

  it('counts a transfer, a red packet, a tip and an order toward one daily limit; the order past it is a 422 that takes no stock', async () => {
    const { client: ivy } = await fundedUser(zan.app, 'lim-ivy', 50_000);
    await ivy.post('/v1/transfers', { toUserId: 'lim-shop', amount: 1_000 }).expect(201);
    await ivy.post('/v1/red-packets', { amount: 1_000, shares: 1, mode: 'equal' }).expect(201);
    await ivy.post('/v1/tips', { authorId: 'lim-author', articleId: 'lim-article', amount: 1_000 }).expect(201);
    await order(ivy).expect(201);
    const walletEvents = (await store.readStream(walletStream('lim-ivy'))).length;
    const productEvents = (await store.readStream(productStream(productId))).length;
    const refused = await order(ivy).expect(422);
    expect(refused.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(refused.body.type).toMatch(/daily-limit-exceeded$/);
    // A refusal stores nothing: no reservation taken and given back, no declined payment.
    expect((await store.readStream(productStream(productId))).length).toBe(productEvents);
    expect((await store.readStream(walletStream('lim-ivy'))).length).toBe(walletEvents);
    await ivy.post('/v1/transfers', { toUserId: 'lim-shop', amount: 1 }).expect(422);
  });

  it('never passes the daily limit when the pieces are sent at once over several routes', async () => {
    const { client: jo } = await fundedUser(zan.app, 'lim-jo', 50_000);
    const answers = await Promise.all([
      ...Array.from({ length: 4 }, () => order(jo)),
      ...Array.from({ length: 4 }, () => jo.post('/v1/transfers', { toUserId: 'lim-shop', amount: 1_000 })),
      ...Array.from({ length: 4 }, () => jo.post('/v1/red-packets', { amount: 1_000, shares: 1, mode: 'equal' })),
    ]);
    const unexpected = answers.filter((a) => a.status !== 201 && !(a.status === 422 && /daily-limit-exceeded$/.test(a.body.type as string)));
    expect(unexpected.map((a) => `${a.status} ${JSON.stringify(a.body)}`)).toEqual([]);
    expect(answers.filter((a) => a.status === 201)).toHaveLength(4);
    const wallet = await jo.get(`/v1/wallets/me?after=${later(...answers.filter((a) => a.status === 201).map((a) => a.body.position as string))}`).expect(200);
    expect(wallet.body.balance).toBe(50_000 - 4_000);
  });

  it('keeps the money equation exact after a mixed storm of orders, refunds, transfers, red packets, claims and withdrawals', async () => {
    const buyers = await Promise.all(Array.from({ length: 6 }, (_, i) => fundedUser(zan.app, `storm-${i}`, 3_000).then((u) => u.client)));
    const placed = (await Promise.all(buyers.map((b) => order(b)))).filter((a) => a.status === 201);
    expect(placed.length).toBe(6);
    const admin = clientFor(zan.app, 'storm-admin', { roles: ['admin'] });
    const storm = await Promise.all([
      ...placed.flatMap((p) => [
        shop.post(`/v1/orders/${p.body.orderId}/refunds`, { amount: 600 }),
        admin.post(`/v1/orders/${p.body.orderId}/refunds`, { amount: 600 }),
      ]),
      shop.post('/v1/wallets/me/withdrawals', { amount: 5_000, cardId: 'card-lim-shop' }),
      ...buyers.map((b, i) => (i % 2 ? order(b, 2) : b.post('/v1/transfers', { toUserId: buyers[(i + 1) % buyers.length]!.userId, amount: 2_500 }))),
      ...buyers.map((b) => b.post('/v1/red-packets', { amount: 900, shares: 3, mode: 'lucky' })),
      ...buyers.map((b) => b.post('/v1/wallets/me/withdrawals', { amount: 1_500, cardId: `card-${b.userId}` })),
    ]);
    const bad = storm.filter((a) => a.status >= 500 || !a.headers['content-type']?.includes(a.status < 400 ? 'application/json' : 'application/problem+json'));
    expect(bad.map((a) => `${a.status} ${JSON.stringify(a.body)}`)).toEqual([]);
    const packets = storm.filter((a) => a.status === 201 && a.body.redPacketId).map((a) => a.body.redPacketId as string);
    await Promise.all(packets.flatMap((id) => buyers.map((b) => b.post(`/v1/red-packets/${id}/claims`))));
    let audit = auditLedger(await readAllEvents(store));
    for (let round = 0; audit.inFlight !== 0 && round < 100; round++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      audit = auditLedger(await readAllEvents(store));
    }
    expect(audit.problems).toEqual([]);
    expect(audit.inFlight).toBe(0);
    expect([...audit.balances.values()].filter((balance) => balance < 0)).toEqual([]);
    expect(audit.balances.size).toBeGreaterThan(6);
    expect(audit.refundsPaid).toBeLessThanOrEqual(audit.ordersPaid);
  });
});
