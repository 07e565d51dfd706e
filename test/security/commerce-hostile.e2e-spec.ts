import request from 'supertest';
import { EVENT_STORE, type EventStore } from '@zan/event-store';
import { clientFor, fundedUser, type Client } from '../support/http-client';
import { readAllEvents } from '../support/read-model-snapshot';
import { startEmbeddedZan, type RunningZan } from '../support/stacks';

/**
 * Commerce against a hostile caller: someone else's product or order, ids that are no ids, amounts
 * and quantities of every wrong shape, a merchant an admin has since rejected. Every answer is a
 * problem+json 4xx with the expected status, and the event store is exactly as it was.
 */
describe('commerce, hostile input (embedded default)', () => {
  let zan: RunningZan;
  let store: EventStore;
  let shop: Client;
  let rival: Client;
  let buyer: Client;
  let admin: Client;
  let productId: string;
  let orderId: string;

  beforeAll(async () => {
    zan = await startEmbeddedZan({ env: { ZAN_READ_WAIT_MS: '3000' } });
    store = zan.app.get<EventStore>(EVENT_STORE);
    shop = (await fundedUser(zan.app, 'ch-shop', 0, 'business')).client;
    rival = (await fundedUser(zan.app, 'ch-rival', 0, 'business')).client;
    buyer = (await fundedUser(zan.app, 'ch-buyer', 100_000)).client;
    admin = clientFor(zan.app, 'ch-admin', { roles: ['admin'] });
    productId = (await shop.post('/v1/merchants/me/products', { title: '拿铁', price: 1_000, stock: 10 }).expect(201)).body.productId;
    orderId = (await buyer.post('/v1/orders', { productId, quantity: 2, expectedPrice: 1_000 }).expect(201)).body.orderId;
  }, 120_000);
  afterAll(async () => {
    await zan?.close();
  }, 60_000);

  const patch = (client: Client, id: string, body: object) =>
    request(zan.app.getHttpServer()).patch(`/v1/merchants/me/products/${id}`).set('Authorization', `Bearer ${client.token}`).send(body);
  const eventCount = async () => (await readAllEvents(store)).length;

  /** The answer is the problem expected, and nothing was appended anywhere. */
  const refusedWith = async (label: string, status: number, type: RegExp, send: () => Promise<request.Response>) => {
    const before = await eventCount();
    const answer = await send();
    if (answer.status !== status || !type.test(String(answer.body?.type)))
      throw new Error(`${label}: answered ${answer.status} ${JSON.stringify(answer.body)}`);
    expect(answer.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(await eventCount()).toBe(before);
  };

  it('refuses another merchant’s or a buyer’s change, delisting and refund (403), changing nothing', async () => {
    await refusedWith('rival reprices', 403, /not-the-product-merchant$/, () => patch(rival, productId, { price: 1 }));
    await refusedWith('buyer restocks', 403, /not-the-product-merchant$/, () => patch(buyer, productId, { stock: 0 }));
    await refusedWith('rival delists', 403, /not-the-product-merchant$/, () => rival.delete(`/v1/merchants/me/products/${productId}`));
    await refusedWith('buyer refunds', 403, /not-your-order$/, () => buyer.post(`/v1/orders/${orderId}/refunds`, { amount: 1 }));
    await refusedWith('rival refunds', 403, /not-your-order$/, () => rival.post(`/v1/orders/${orderId}/refunds`, { amount: 1 }));
    await refusedWith('merchant rates', 403, /not-your-order$/, () => shop.post(`/v1/orders/${orderId}/rating`, { stars: 5 }, null));
    await refusedWith('refund past paid', 422, /refund-exceeds-payment$/, () => shop.post(`/v1/orders/${orderId}/refunds`, { amount: 2_001 }));
    await refusedWith('individual lists', 422, /not-a-merchant$/, () => buyer.post('/v1/merchants/me/products', { title: 'x', price: 100 }));
    await refusedWith('merchant buys own', 422, /self-payment$/, () => shop.post('/v1/orders', { productId, quantity: 1, expectedPrice: 1_000 }));
    await refusedWith('stale price', 409, /price-changed$/, () => buyer.post('/v1/orders', { productId, quantity: 1, expectedPrice: 999 }));
  });

  it.each([
    ['a path traversal', '..%2F..%2Fetc%2Fpasswd'],
    ['a 4,000-character id', 'x'.repeat(4_000)],
    ['a NUL', '%00'],
    ['an upper-case uuid', 'F0000000-0000-4000-8000-000000000000'],
  ])('answers 404 for %s on every route, changing nothing', async (_label, id) => {
    await refusedWith('patch', 404, /product-not-found$/, () => patch(shop, id, { price: 5 }));
    await refusedWith('delete', 404, /product-not-found$/, () => shop.delete(`/v1/merchants/me/products/${id}`));
    await refusedWith('card', 404, /product-not-found$/, () => buyer.get(`/v1/products/${id}`));
    await refusedWith('order', 404, /product-not-found$/, () =>
      buyer.post('/v1/orders', { productId: decodeURIComponent(id), quantity: 1, expectedPrice: 1_000 }),
    );
    await refusedWith('refund', 404, /order-not-found$/, () => shop.post(`/v1/orders/${id}/refunds`, { amount: 1 }));
    await refusedWith('rating', 404, /order-not-found$/, () => buyer.post(`/v1/orders/${id}/rating`, { stars: 1 }, null));
  });

  it('answers every malformed price, stock, quantity, amount and stars with a 400 naming the field, changing nothing', async () => {
    const wrong = [0, -1, 1.5, '100', null, 2 ** 53, true, [], {}];
    for (const price of wrong)
      await refusedWith(`list price ${JSON.stringify(price)}`, 400, /validation$/, () => shop.post('/v1/merchants/me/products', { title: 't', price }));
    for (const stock of [-1, 1.5, '3', 2 ** 53, true, 1_000_000_001, Number.MAX_SAFE_INTEGER])
      await refusedWith(`list stock ${JSON.stringify(stock)}`, 400, /validation$/, () =>
        shop.post('/v1/merchants/me/products', { title: 't', price: 1, stock }),
      );
    // Past MAX_STOCK, units coming back (a failed group, a declined order) could push a stock past the safe integers.
    for (const stock of [1_000_000_001, Number.MAX_SAFE_INTEGER])
      await refusedWith(`restock ${stock}`, 400, /validation$/, () => patch(shop, productId, { stock }));
    for (const price of wrong) await refusedWith(`patch price ${JSON.stringify(price)}`, 400, /validation$/, () => patch(shop, productId, { price }));
    for (const quantity of [0, -1, 1.5, '1', null, 1_001, 2 ** 53])
      await refusedWith(`quantity ${JSON.stringify(quantity)}`, 400, /validation$/, () =>
        buyer.post('/v1/orders', { productId, quantity, expectedPrice: 1_000 }),
      );
    for (const expectedPrice of wrong)
      await refusedWith(`expectedPrice ${JSON.stringify(expectedPrice)}`, 400, /validation$/, () =>
        buyer.post('/v1/orders', { productId, quantity: 1, expectedPrice }),
      );
    for (const amount of wrong)
      await refusedWith(`refund ${JSON.stringify(amount)}`, 400, /validation$/, () => shop.post(`/v1/orders/${orderId}/refunds`, { amount }));
    for (const stars of [0, 6, 2.5, '3', null])
      await refusedWith(`stars ${JSON.stringify(stars)}`, 400, /validation$/, () => buyer.post(`/v1/orders/${orderId}/rating`, { stars }, null));
    await refusedWith('extra field', 400, /validation$/, () => shop.post('/v1/merchants/me/products', { title: 't', price: 1, merchantId: 'ch-rival' }));
  });

  it('tells a count sent as a string, null or a boolean that it is no integer, not that it is out of range', async () => {
    const messageOf = async (send: () => Promise<request.Response>) => {
      const answer = await send();
      expect(answer.status).toBe(400);
      return (answer.body.errors as { field: string; message: string }[]).map((error) => `${error.field}: ${error.message}`).join('; ');
    };
    const deal = { productId, groupPrice: 900, groupSize: 2, expiresInSeconds: 60 };
    for (const count of ['1', null, true]) {
      expect(await messageOf(() => buyer.post('/v1/orders', { productId, quantity: count, expectedPrice: 1_000 }))).toBe(
        'quantity: quantity must be an integer',
      );
      expect(await messageOf(() => shop.post('/v1/merchants/me/group-buys', { ...deal, groupSize: count }))).toBe('groupSize: groupSize must be an integer');
      expect(await messageOf(() => shop.post('/v1/merchants/me/group-buys', { ...deal, expiresInSeconds: count }))).toBe(
        'expiresInSeconds: expiresInSeconds must be an integer',
      );
      expect(await messageOf(() => buyer.post(`/v1/orders/${orderId}/rating`, { stars: count }, null))).toBe('stars: stars must be an integer');
    }
    // In range but out of it as a number: the range, as before.
    expect(await messageOf(() => buyer.post('/v1/orders', { productId, quantity: 1_001, expectedPrice: 1_000 }))).toBe(
      'quantity: quantity must not be greater than 1000',
    );
  });

  // The same rule for the payment routes: class-validator checks a field's decorators bottom up, and a
  // code's expiresInSeconds listed its integer check on top, a payment's code its string check on top,
  // so "60", null or a list said "expiresInSeconds must be 1..86400" and 42 or null "code must be
  // 1..128 characters".
  it('tells a payment code’s expiresInSeconds and a payment’s code of the wrong type which type they need, changing nothing', async () => {
    const before = await eventCount();
    const errorsOf = async (send: () => Promise<request.Response>) => {
      const answer = await send();
      expect(answer.status).toBe(400);
      return answer.body.errors as { field: string; message: string }[];
    };
    for (const expiresInSeconds of ['60', null, true, [60], { s: 60 }]) {
      expect({ expiresInSeconds, errors: await errorsOf(() => shop.post('/v1/merchants/me/payment-codes', { amount: 100, expiresInSeconds })) }).toEqual({
        expiresInSeconds,
        errors: [{ field: 'expiresInSeconds', message: 'expiresInSeconds must be an integer of 1..86400' }],
      });
    }
    for (const code of [42, null, true, ['c'], { code: 'c' }]) {
      expect({ code, errors: await errorsOf(() => buyer.post('/v1/payments', { code, amount: 100 })) }).toEqual({
        code,
        errors: [{ field: 'code', message: 'code must be a string' }],
      });
    }
    // Of the right type but out of range: the range, as before.
    expect(await errorsOf(() => shop.post('/v1/merchants/me/payment-codes', { amount: 100, expiresInSeconds: 0 }))).toEqual([
      { field: 'expiresInSeconds', message: 'expiresInSeconds must be 1..86400' },
    ]);
    expect(await errorsOf(() => buyer.post('/v1/payments', { code: '', amount: 100 }))).toEqual([{ field: 'code', message: 'code must be 1..128 characters' }]);
    expect(await eventCount()).toBe(before);
  });

  it('sells nothing more for a merchant an admin has since rejected (422 not-a-merchant), changing nothing', async () => {
    const { client: gone } = await fundedUser(zan.app, 'ch-gone', 0, 'business');
    const listed = (await gone.post('/v1/merchants/me/products', { title: '伞', price: 500, stock: 5 }).expect(201)).body.productId as string;
    await admin.post('/v1/admin/wallets/ch-gone/verification', { decision: 'rejected', reason: '执照吊销' }, null).expect(201);
    await refusedWith('order from a rejected merchant', 422, /not-a-merchant$/, () =>
      buyer.post('/v1/orders', { productId: listed, quantity: 1, expectedPrice: 500 }),
    );
    await refusedWith('listing by a rejected merchant', 422, /not-a-merchant$/, () => gone.post('/v1/merchants/me/products', { title: '伞', price: 500 }));
  });
});
