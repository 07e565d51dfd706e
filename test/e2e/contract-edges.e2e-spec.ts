import { EVENT_STORE, type EventStore } from '@zan/event-store';
import { clientFor, fundedUser, type Client } from '../support/http-client';
import { readAllEvents } from '../support/read-model-snapshot';
import { startEmbeddedZan, type RunningZan } from '../support/stacks';

/** Two promises of CONTRACT.md a contract audit found broken (session 11), held here. */
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
});
