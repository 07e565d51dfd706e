import request from 'supertest';
import { auditLedger } from '@zan/domain';
import { EVENT_STORE, type EventStore } from '@zan/event-store';
import { companyNameOf } from '../support/identity';
import { type Client, clientFor, fundedUser } from '../support/http-client';
import { readAllEvents } from '../support/read-model-snapshot';
import { type RunningZan, startEmbeddedZan, startFullStackInProcess } from '../support/stacks';

const later = (...positions: string[]): string => positions.reduce((a, b) => (BigInt(a) > BigInt(b) ? a : b), '0');

/** Waits until the credits have caught up (nothing in flight) and answers the audit of the whole log. */
const quietAudit = async (zan: RunningZan) => {
  const store = zan.app.get<EventStore>(EVENT_STORE);
  for (let round = 0; ; round++) {
    const audit = auditLedger(await readAllEvents(store));
    if ((audit.inFlight === 0 && audit.problems.length === 0) || round > 100) return audit;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

/** Commerce (v1.1): merchants list products, buyers buy, merchants refund, buyers rate; every view and the audit agree. */
const describeCommerce = (name: string, start: () => Promise<RunningZan>) =>
  describe(`commerce: products, orders, refunds, ratings (${name})`, () => {
    let zan: RunningZan;
    let shop: Client;
    beforeAll(async () => {
      zan = await start();
      shop = (await fundedUser(zan.app, 'shop', 0, 'business')).client;
    }, 120_000);
    afterAll(async () => {
      await zan?.close();
    }, 60_000);

    const patch = (client: Client, path: string, body: object) =>
      request(zan.app.getHttpServer()).patch(path).set('Authorization', `Bearer ${client.token}`).send(body);
    const list = async (body: object = { title: '拿铁', price: 1_800, stock: 3 }) =>
      (await shop.post('/v1/merchants/me/products', body).expect(201)).body as { productId: string; position: string };

    it('lists a product for a merchant only, and shows its card with the company name', async () => {
      const { client: ann } = await fundedUser(zan.app, 'ann', 0);
      const refused = await ann.post('/v1/merchants/me/products', { title: 'x', price: 100 }).expect(422);
      expect(refused.body.type).toMatch(/not-a-merchant$/);
      const listed = await list({ title: '拿铁', price: 1_800, stock: 3, description: '燕麦奶' });
      expect(listed.productId).toMatch(/^[0-9a-f-]{36}$/);
      const card = await ann.get(`/v1/products/${listed.productId}?after=${listed.position}`).expect(200);
      expect(card.body).toEqual({
        productId: listed.productId,
        merchantId: 'shop',
        merchantName: companyNameOf('shop'),
        title: '拿铁',
        description: '燕麦奶',
        price: 1_800,
        stock: 3,
        sold: 0,
        status: 'listed',
        rating: { average: 0, count: 0 },
        merchantRating: { average: 0, count: 0 },
      });
      const unlimited = await list({ title: '美式', price: 1_200 });
      expect((await ann.get(`/v1/products/${unlimited.productId}?after=${unlimited.position}`).expect(200)).body.stock).toBeNull();
    });

    it('reprices, restocks and delists, the merchant’s alone', async () => {
      const { productId } = await list();
      const changed = await patch(shop, `/v1/merchants/me/products/${productId}`, { price: 2_000, stock: null }).expect(200);
      expect(changed.body).toMatchObject({ productId, price: 2_000, stock: null });
      const { client: bob } = await fundedUser(zan.app, 'bob', 0);
      expect((await patch(bob, `/v1/merchants/me/products/${productId}`, { price: 1 }).expect(403)).body.type).toMatch(/not-the-product-merchant$/);
      await patch(shop, `/v1/merchants/me/products/${productId}`, {}).expect(400);
      await patch(shop, `/v1/merchants/me/products/${productId}`, { stock: -1 }).expect(400);
      await patch(shop, `/v1/merchants/me/products/${productId}`, { price: '2000' }).expect(400);
      const delisted = await shop.delete(`/v1/merchants/me/products/${productId}`).expect(204);
      const card = await bob.get(`/v1/products/${productId}?after=${delisted.headers['zan-position']}`).expect(200);
      expect(card.body).toMatchObject({ price: 2_000, stock: null, status: 'delisted' });
      await shop.delete(`/v1/merchants/me/products/${productId}`).expect(204);
      await bob.get('/v1/products/not-a-product').expect(404);
    });

    it('buys: stock taken and buyer debited at once, the merchant credited, 409 on a stale price, 410 sold out, 422 unfunded; nothing changed by a refusal', async () => {
      const { productId } = await list({ title: '月饼', price: 1_000, stock: 3 });
      const { client: cat } = await fundedUser(zan.app, 'cat', 5_000);
      const { client: dan } = await fundedUser(zan.app, 'dan', 500);
      const order = await cat.post('/v1/orders', { productId, quantity: 2, expectedPrice: 1_000 }, 'buy-1').expect(201);
      expect(order.body).toEqual({
        orderId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        amount: 2_000,
        status: 'paid',
        balance: 3_000,
        position: expect.stringMatching(/^\d+$/),
      });
      const replay = await cat.post('/v1/orders', { productId, quantity: 2, expectedPrice: 1_000 }, 'buy-1').expect(201);
      expect(replay.body).toEqual(order.body);

      expect((await cat.post('/v1/orders', { productId, quantity: 1, expectedPrice: 900 }).expect(409)).body.type).toMatch(/price-changed$/);
      expect((await cat.post('/v1/orders', { productId, quantity: 2, expectedPrice: 1_000 }).expect(410)).body.type).toMatch(/sold-out$/);
      expect((await dan.post('/v1/orders', { productId, quantity: 1, expectedPrice: 1_000 }).expect(422)).body.type).toMatch(/insufficient-funds$/);
      expect((await shop.post('/v1/orders', { productId, quantity: 1, expectedPrice: 1_000 }).expect(422)).body.type).toMatch(/self-payment$/);
      for (const body of [
        { productId, quantity: 0, expectedPrice: 1_000 },
        { productId, quantity: 1, expectedPrice: '1000' },
        { productId, quantity: 1.5, expectedPrice: 1_000 },
        { productId, quantity: 1 },
      ]) {
        await cat.post('/v1/orders', body).expect(400);
      }
      await cat.post('/v1/orders', { productId: 'f0000000-0000-4000-8000-000000000000', quantity: 1, expectedPrice: 1_000 }).expect(404);

      const card = await cat.get(`/v1/products/${productId}?after=${order.body.position}`).expect(200);
      expect(card.body).toMatchObject({ stock: 1, sold: 2 });
      expect((await cat.get(`/v1/wallets/me?after=${order.body.position}`).expect(200)).body.balance).toBe(3_000);
      expect((await dan.get(`/v1/wallets/me?after=${order.body.position}`).expect(200)).body.balance).toBe(500);
      expect((await shop.get(`/v1/wallets/me?after=${order.body.position}`).expect(200)).body.balance).toBe(2_000);
      const mine = await cat.get(`/v1/orders/me?after=${order.body.position}`).expect(200);
      expect(mine.body).toEqual([expect.objectContaining({ orderId: order.body.orderId, productId, amount: 2_000, refunded: 0, status: 'paid', quantity: 2 })]);
      const feed = await shop.get(`/v1/feeds/me?after=${order.body.position}`).expect(200);
      expect(feed.body.items[0]).toMatchObject({ type: 'order-received', amount: 2_000, counterpartyId: 'cat', refId: order.body.orderId });
    });

    it('refunds partly and fully (merchant or admin), never past what was paid; the buyer credited once; sales and feeds show it', async () => {
      const { productId } = await list({ title: '茶', price: 1_500, stock: null });
      const { client: eve } = await fundedUser(zan.app, 'eve', 10_000);
      const order = (await eve.post('/v1/orders', { productId, quantity: 2, expectedPrice: 1_500 }).expect(201)).body;
      const path = `/v1/orders/${order.orderId}/refunds`;
      expect((await eve.post(path, { amount: 100 }).expect(403)).body.type).toMatch(/not-your-order$/);
      const partial = await shop.post(path, { amount: 1_000, reason: '少了一杯' }, 'refund-1').expect(201);
      expect(partial.body).toEqual({ refundId: expect.stringMatching(/^[0-9a-f-]{36}$/), refunded: 1_000, position: expect.stringMatching(/^\d+$/) });
      expect((await shop.post(path, { amount: 1_000, reason: '少了一杯' }, 'refund-1').expect(201)).body).toEqual(partial.body);
      expect((await shop.post(path, { amount: 2_001 }).expect(422)).body.type).toMatch(/refund-exceeds-payment$/);
      const admin = clientFor(zan.app, 'ops', { roles: ['admin'] });
      const rest = await admin.post(path, { amount: 2_000 }).expect(201);
      expect(rest.body.refunded).toBe(3_000);
      await shop.post(path, { amount: 1 }).expect(422);
      await shop.post(path, { amount: 0 }).expect(400);
      await shop.post('/v1/orders/f0000000-0000-4000-8000-000000000000/refunds', { amount: 1 }).expect(404);

      const at = later(partial.body.position, rest.body.position);
      expect((await eve.get(`/v1/wallets/me?after=${at}`).expect(200)).body.balance).toBe(10_000);
      const view = await eve.get(`/v1/orders/me?after=${at}`).expect(200);
      expect(view.body[0]).toMatchObject({ orderId: order.orderId, amount: 3_000, refunded: 3_000, status: 'refunded' });
      const feed = await eve.get(`/v1/feeds/me?after=${at}`).expect(200);
      expect(feed.body.items.slice(0, 3).map((i: { type: string; amount: number }) => [i.type, i.amount])).toEqual([
        ['refund-received', 2_000],
        ['refund-received', 1_000],
        ['order-paid', 3_000],
      ]);
      const merchantFeed = await shop.get(`/v1/feeds/me?after=${at}`).expect(200);
      expect(merchantFeed.body.items[0]).toMatchObject({ type: 'refund-paid', amount: 2_000, counterpartyId: 'eve' });
      const sales = await shop.get(`/v1/merchants/me/sales?after=${at}`).expect(200);
      expect(sales.body.days).toHaveLength(30);
      const today = sales.body.days[29];
      expect(today.refunds).toBe(3_000);
      expect(today.net).toBe(today.gross - 3_000);
      const sold = await shop.get(`/v1/merchants/me/orders?limit=1&after=${at}`).expect(200);
      expect(sold.body).toEqual([expect.objectContaining({ orderId: order.orderId })]);
      const older = await shop.get(`/v1/merchants/me/orders?limit=1&before=${sold.headers['zan-next-cursor']}`).expect(200);
      expect(older.body[0].orderId).not.toBe(order.orderId);
      await shop.get('/v1/merchants/me/sales?from=2026-02-30').expect(400);
      await shop.get('/v1/merchants/me/sales?from=2026-12-06&to=2026-12-01').expect(400);
    });

    it('refuses a refund the merchant’s balance cannot cover (422 insufficient-funds), changing nothing', async () => {
      const { productId } = await list({ title: '包', price: 4_000, stock: 1 });
      const { client: fay } = await fundedUser(zan.app, 'fay', 4_000);
      const order = (await fay.post('/v1/orders', { productId, quantity: 1, expectedPrice: 4_000 }).expect(201)).body;
      const before = await shop.get(`/v1/wallets/me?after=${order.position}`).expect(200);
      await shop.post('/v1/wallets/me/cards', { cardId: 'shop-bank', holderName: companyNameOf('shop') });
      const withdrawn = await shop.post('/v1/wallets/me/withdrawals', { amount: before.body.balance, cardId: 'card-shop' }).expect(201);
      const refused = await shop.post(`/v1/orders/${order.orderId}/refunds`, { amount: 4_000 }).expect(422);
      expect(refused.body.type).toMatch(/insufficient-funds$/);
      expect((await fay.get(`/v1/wallets/me?after=${withdrawn.body.position}`).expect(200)).body.balance).toBe(0);
      expect((await fay.get(`/v1/orders/me?after=${withdrawn.body.position}`).expect(200)).body[0]).toMatchObject({ refunded: 0, status: 'paid' });
    });

    it('lets the buyer rate a paid order once; the card shows the product’s and the merchant’s ratings', async () => {
      const { productId } = await list({ title: '蛋糕', price: 800, stock: 10 });
      const { client: gus } = await fundedUser(zan.app, 'gus', 5_000);
      const order = (await gus.post('/v1/orders', { productId, quantity: 1, expectedPrice: 800 }).expect(201)).body;
      await shop.post(`/v1/orders/${order.orderId}/rating`, { stars: 5 }, null).expect(403);
      await gus.post(`/v1/orders/${order.orderId}/rating`, { stars: 6 }, null).expect(400);
      const rated = await gus.post(`/v1/orders/${order.orderId}/rating`, { stars: 4 }, null).expect(201);
      expect((await gus.post(`/v1/orders/${order.orderId}/rating`, { stars: 5 }, null).expect(409)).body.type).toMatch(/already-rated$/);
      const card = await gus.get(`/v1/products/${productId}?after=${rated.body.position}`).expect(200);
      expect(card.body.rating).toEqual({ average: 4, count: 1 });
      expect(card.body.merchantRating).toEqual({ average: 4, count: 1 });
      expect((await gus.get(`/v1/orders/me?after=${rated.body.position}`).expect(200)).body[0]).toMatchObject({ stars: 4 });
    });

    it('sells exactly the stock to many buyers at once, and the money equation is exact', async () => {
      const { productId } = await list({ title: '秒杀', price: 100, stock: 5 });
      const buyers = await Promise.all(Array.from({ length: 12 }, (_, i) => fundedUser(zan.app, `rush-${i}`, 1_000).then((u) => u.client)));
      const answers = await Promise.all(buyers.map((buyer) => buyer.post('/v1/orders', { productId, quantity: 1, expectedPrice: 100 })));
      expect(answers.filter((a) => a.status === 201)).toHaveLength(5);
      for (const refused of answers.filter((a) => a.status !== 201))
        expect([refused.status, refused.body.type]).toEqual([410, expect.stringMatching(/sold-out$/)]);
      const at = later(...answers.filter((a) => a.status === 201).map((a) => a.body.position));
      expect((await shop.get(`/v1/products/${productId}?after=${at}`).expect(200)).body).toMatchObject({ stock: 0, sold: 5 });
      const audit = await quietAudit(zan);
      expect(audit.problems).toEqual([]);
      expect(audit.inFlight).toBe(0);
      expect(audit.ordersPaid).toBeGreaterThan(0);
    });

    it('races refunds with the merchant’s withdrawals, and buyers’ orders with their own spending: never negative, never past paid, stock exact, audit exact', async () => {
      const { client: mall } = await fundedUser(zan.app, 'mall', 0, 'business');
      const product = (await mall.post('/v1/merchants/me/products', { title: '伞', price: 100, stock: 8 }).expect(201)).body;
      const buyers = await Promise.all(Array.from({ length: 8 }, (_, i) => fundedUser(zan.app, `racer-${i}`, 100).then((u) => u.client)));
      // Each buyer has exactly one order's money; half of them spend it on an order and a withdrawal at once: one of the two wins.
      const raced = await Promise.all(
        buyers.map((buyer, i) =>
          Promise.all([
            buyer.post('/v1/orders', { productId: product.productId, quantity: 1, expectedPrice: 100 }),
            ...(i % 2 === 0 ? [buyer.post('/v1/wallets/me/withdrawals', { amount: 100, cardId: `card-${buyer.userId}` })] : []),
          ]),
        ),
      );
      const paid = raced.map(([order]) => order!).filter((order) => order.status === 201);
      raced.forEach((answers, i) => expect(answers.map((a) => a.status).sort()).toEqual(i % 2 === 0 ? [201, 422] : [201]));
      const positions = raced
        .flat()
        .filter((r) => r.status === 201)
        .map((r) => r.body.position as string);
      const card = await mall.get(`/v1/products/${product.productId}?after=${later(...positions)}`).expect(200);
      expect(card.body).toMatchObject({ sold: paid.length, stock: 8 - paid.length });

      // Refunds of every order racing with withdrawals of the merchant's whole balance.
      await quietAudit(zan);
      const balance = (await mall.get(`/v1/wallets/me?after=${later(...positions)}`).expect(200)).body.balance as number;
      expect(balance).toBe(paid.length * 100);
      const refunds = await Promise.all([
        ...paid.map((order) => mall.post(`/v1/orders/${order.body.orderId}/refunds`, { amount: 100 })),
        mall.post('/v1/wallets/me/withdrawals', { amount: Math.max(1, balance - 100), cardId: 'card-mall' }),
      ]);
      expect(refunds.map((answer) => ([201, 422].includes(answer.status) ? 'ok' : `${answer.status} ${JSON.stringify(answer.body)}`))).toEqual(
        refunds.map(() => 'ok'),
      );
      expect(refunds.filter((answer) => answer.status === 201).length).toBeGreaterThan(0);
      const audit = await quietAudit(zan);
      expect(audit.problems).toEqual([]);
      expect(audit.inFlight).toBe(0);
      const after = (await mall.get(`/v1/wallets/me?after=${later(...refunds.filter((r) => r.status === 201).map((r) => r.body.position))}`).expect(200)).body
        .balance;
      expect(after).toBeGreaterThanOrEqual(0);
    });
  });

describeCommerce('embedded default', () => startEmbeddedZan({ env: { ZAN_READ_WAIT_MS: '3000' } }));
describeCommerce('full stack: PostgreSQL, Kafka, Redis', () => startFullStackInProcess('commerce'));
