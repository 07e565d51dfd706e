import { EVENT_STORE, type EventStore } from '@zan/event-store';
import { clientFor, fundedUser, type Client } from '../support/http-client';
import { readAllEvents } from '../support/read-model-snapshot';
import { startEmbeddedZan, type RunningZan } from '../support/stacks';

/** Promises of CONTRACT.md contract audits found broken (sessions 11 and 14), held here. */
describe('contract edges (embedded default)', () => {
  let zan: RunningZan;
  let store: EventStore;
  let shop: Client;
  let buyer: Client;
  let admin: Client;
  beforeAll(async () => {
    zan = await startEmbeddedZan();
    store = zan.app.get<EventStore>(EVENT_STORE);
    shop = (await fundedUser(zan.app, 'ce-shop', 0, 'business')).client;
    buyer = (await fundedUser(zan.app, 'ce-buyer', 10_000)).client;
    admin = clientFor(zan.app, 'ce-admin', { roles: ['admin'] });
  }, 120_000);
  afterAll(async () => {
    await zan?.close();
  }, 60_000);

  // "errors: [{ field, message }] for validation", judged before anything is decided: the key stays free.
  it('a static payment code with expiresInSeconds is a 400 naming the field, whoever asks, stored under no key', async () => {
    const answer = await shop.post('/v1/merchants/me/payment-codes', { expiresInSeconds: 60 }, 'ce-static-ttl').expect(400);
    expect(answer.body.type).toMatch(/validation$/);
    expect(answer.body.errors).toEqual([{ field: 'expiresInSeconds', message: expect.any(String) }]);
    await shop.post('/v1/merchants/me/payment-codes', { amount: 60 }, 'ce-static-ttl').expect(201);
    const individual = await buyer.post('/v1/merchants/me/payment-codes', { expiresInSeconds: 60 }).expect(400);
    expect(individual.body.errors).toEqual([{ field: 'expiresInSeconds', message: expect.any(String) }]);
  });

  // "orders and payments are for verified business wallets (422 not-a-merchant otherwise)": a group
  // order too, once an admin has rejected the merchant.
  it('a group buy of a merchant an admin has since rejected takes no joins (422 not-a-merchant), holding nothing', async () => {
    const { client: gone } = await fundedUser(zan.app, 'ce-gone', 0, 'business');
    const productId = (await gone.post('/v1/merchants/me/products', { title: '伞', price: 500, stock: 5 }).expect(201)).body.productId as string;
    const opened = await gone.post('/v1/merchants/me/group-buys', { productId, groupPrice: 300, groupSize: 2, expiresInSeconds: 600 }).expect(201);
    const groupBuyId = opened.body.groupBuyId as string;
    await admin.post('/v1/admin/wallets/ce-gone/verification', { decision: 'rejected', reason: '执照吊销' }, null).expect(201);
    expect((await buyer.post('/v1/orders', { productId, quantity: 1, expectedPrice: 500 }).expect(422)).body.type).toMatch(/not-a-merchant$/);
    const before = (await readAllEvents(store)).length;
    const join = await buyer.post(`/v1/group-buys/${groupBuyId}/joins`);
    expect({ status: join.status, type: join.body.type }).toEqual({ status: 422, type: expect.stringMatching(/not-a-merchant$/) });
    expect((await readAllEvents(store)).length).toBe(before);
  });
  // "Bad input gets a clear problem+json error": a count that is no integer (a string, missing, a
  // boolean) is named as such. The range rule was checked first, so a string quantity said "quantity
  // must not be greater than 1000" and a missing expiresInSeconds "must not be greater than 604800",
  // as shares did before red-packet-edges; recipients "zz" "All recipients's elements must be unique",
  // a missing webhook url "url must be shorter than or equal to 2000 characters".
  it('says "must be an integer" of a quantity, stars, groupSize or expiresInSeconds that is none, and "a list", "a string" of recipients and a url that are none', async () => {
    const productId = (await shop.post('/v1/merchants/me/products', { title: '杯', price: 500, stock: 5 }).expect(201)).body.productId as string;
    const order = (await buyer.post('/v1/orders', { productId, quantity: 1, expectedPrice: 500 }).expect(201)).body.orderId as string;
    const cases: [string, (value: unknown) => ReturnType<Client['post']>, string][] = [
      ['quantity', (quantity) => buyer.post('/v1/orders', { productId, quantity, expectedPrice: 500 }), 'quantity must be an integer'],
      ['stars', (stars) => buyer.post(`/v1/orders/${order}/rating`, { stars }), 'stars must be an integer'],
      [
        'groupSize',
        (groupSize) => shop.post('/v1/merchants/me/group-buys', { productId, groupPrice: 400, groupSize, expiresInSeconds: 600 }),
        'groupSize must be an integer',
      ],
      [
        'expiresInSeconds',
        (expiresInSeconds) => shop.post('/v1/merchants/me/group-buys', { productId, groupPrice: 400, groupSize: 2, expiresInSeconds }),
        'expiresInSeconds must be an integer',
      ],
    ];
    const said: unknown[] = [];
    for (const [field, send, message] of cases) {
      for (const value of ['3', true, undefined]) {
        const answer = await send(value);
        said.push({ field, value, status: answer.status, errors: answer.body.errors });
        expect(said.at(-1)).toEqual({ field, value, status: 400, errors: [{ field, message }] });
      }
    }
    for (const value of ['ce-shop', 7, true]) {
      const packet = await buyer.post('/v1/red-packets', { amount: 100, shares: 1, mode: 'equal', recipients: value });
      expect({ value, status: packet.status, errors: packet.body.errors }).toEqual({
        value,
        status: 400,
        errors: [{ field: 'recipients', message: 'recipients must be a list of user ids' }],
      });
    }
    for (const url of [7, true, undefined]) {
      const endpoint = await admin.post('/v1/webhooks/endpoints', { url, events: ['TipReceived'] }, null);
      expect({ url, status: endpoint.status, errors: endpoint.body.errors }).toEqual({
        url,
        status: 400,
        errors: [{ field: 'url', message: 'url must be a string' }],
      });
    }
    expect((await buyer.post('/v1/orders', { productId, quantity: 1001, expectedPrice: 500 }).expect(400)).body.errors).toEqual([
      { field: 'quantity', message: 'quantity must not be greater than 1000' },
    ]);
    expect((await buyer.post(`/v1/orders/${order}/rating`, { stars: 0 }).expect(400)).body.errors).toEqual([
      { field: 'stars', message: 'stars must not be less than 1' },
    ]);
  });
});
