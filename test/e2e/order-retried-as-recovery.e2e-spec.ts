import { CommandBus } from '@nestjs/cqrs';
import { walletStream } from '@zan/contracts';
import { EVENT_STORE, type EventStore } from '@zan/event-store';
import { IDEMPOTENCY_STORE, type IdempotencyStore } from '@zan/stores';
import { PlaceOrderCommand } from '../../apps/api/src/orders/place-order/place-order.handler';
import { eventually } from '../support/eventually';
import { clientFor, fundedUser } from '../support/http-client';
import { readAllEvents } from '../support/read-model-snapshot';
import { recoveringContext, requestHashOf } from '../support/recovery';
import { type RunningZan, startEmbeddedZan } from '../support/stacks';

/** Commands retried as recoveries (a key whose record an attempt left pending or without its answer), on one embedded Zan. */
let zan: RunningZan;
beforeAll(async () => {
  zan = await startEmbeddedZan({ env: { ZAN_RATE_LIMIT_PER_MINUTE: '0' } });
}, 120_000);
afterAll(async () => {
  await zan?.close();
}, 60_000);

/**
 * A request whose first attempt stored nothing (the api died after taking the key, or answered a 5xx
 * before the command's first append) is retried after an admin rejected the merchant. The retry takes
 * the key over as a recovery, and a recovery skipped the handler's pre-checks, the only place that
 * asked whether the seller is still a merchant: the order was placed and the group joined for the
 * rejected merchant, who was credited. Whether the seller is a merchant is a fact of the decision
 * (like a payment by code's), decided again on a recovery that finds nothing stored.
 */
describe('a request retried after its merchant was rejected', () => {
  /** The key's record as an attempt that died before storing anything left it: pending, its lease long over. */
  const leftPending = async (userId: string, key: string, path: string, body: unknown) => {
    const begun = await zan.app.get<IdempotencyStore>(IDEMPOTENCY_STORE).begin(userId, key, requestHashOf(path, body), 1_000, new Date(Date.now() - 60_000));
    expect(begun.outcome).toBe('started');
  };
  const reject = (merchantId: string) =>
    clientFor(zan.app, 'rr-admin', { roles: ['admin'] })
      .post(`/v1/admin/wallets/${merchantId}/verification`, { decision: 'rejected', reason: '执照吊销' }, null)
      .expect(201);
  const paidTo = async (merchantId: string) =>
    (await readAllEvents(zan.app.get<EventStore>(EVENT_STORE))).filter(
      (event) => ['OrderPlaced', 'GroupBuyFundsHeld'].includes(event.type) && (event.data as { merchantId?: string }).merchantId === merchantId,
    );

  it('an order: 422 not-a-merchant, nothing stored, nothing debited', async () => {
    const { client: shop } = await fundedUser(zan.app, 'rr-shop', 0, 'business');
    const { client: buyer } = await fundedUser(zan.app, 'rr-buyer', 10_000);
    const { productId } = (await shop.post('/v1/merchants/me/products', { title: '乌龙茶', price: 1_200, stock: 5 }).expect(201)).body as { productId: string };
    const order = { productId, quantity: 1, expectedPrice: 1_200 };
    await leftPending('rr-buyer', 'rr-order-1', '/v1/orders', order);
    await reject('rr-shop');

    const retried = await buyer.post('/v1/orders', order, 'rr-order-1');
    expect({ status: retried.status, type: retried.body.type }).toEqual({ status: 422, type: expect.stringMatching(/not-a-merchant$/) });
    expect(await paidTo('rr-shop')).toEqual([]);
    expect((await buyer.get('/v1/wallets/me').expect(200)).body.balance).toBe(10_000);
  });

  it('a group-buy join: 422 not-a-merchant, nothing held', async () => {
    const { client: shop } = await fundedUser(zan.app, 'rr-gshop', 0, 'business');
    const { client: buyer } = await fundedUser(zan.app, 'rr-gbuyer', 10_000);
    const { productId } = (await shop.post('/v1/merchants/me/products', { title: '月饼', price: 3_000, stock: null }).expect(201)).body as {
      productId: string;
    };
    const { groupBuyId } = (await shop.post('/v1/merchants/me/group-buys', { productId, groupPrice: 2_000, groupSize: 2, expiresInSeconds: 600 }).expect(201))
      .body as { groupBuyId: string };
    await leftPending('rr-gbuyer', 'rr-join-1', `/v1/group-buys/${groupBuyId}/joins`, undefined);
    await reject('rr-gshop');

    const retried = await buyer.post(`/v1/group-buys/${groupBuyId}/joins`, undefined, 'rr-join-1');
    expect({ status: retried.status, type: retried.body.type }).toEqual({ status: 422, type: expect.stringMatching(/not-a-merchant$/) });
    expect(await paidTo('rr-gshop')).toEqual([]);
    expect((await buyer.get('/v1/wallets/me').expect(200)).body.balance).toBe(10_000);
  });

  it('a recovery of an order stored before the rejection answers the stored order', async () => {
    const { client: shop } = await fundedUser(zan.app, 'rr-shop2', 0, 'business');
    const { client: buyer } = await fundedUser(zan.app, 'rr-buyer2', 10_000);
    const { productId } = (await shop.post('/v1/merchants/me/products', { title: '红茶', price: 900, stock: 5 }).expect(201)).body as { productId: string };
    const order = { productId, quantity: 1, expectedPrice: 900 };
    const first = await buyer.post('/v1/orders', order, 'rr-order-2').expect(201);
    await reject('rr-shop2');
    // The same command taken over as a recovery (its record lost its answer): it finds the order stored.
    const context = recoveringContext('rr-buyer2', 'rr-order-2', '/v1/orders', order);
    const again = await zan.app.get(CommandBus).execute(new PlaceOrderCommand(context, productId, 1, 900));
    expect(again.orderId).toBe(first.body.orderId);
    expect((await paidTo('rr-shop2')).filter((event) => event.type === 'OrderPlaced')).toHaveLength(1);
  });
});

/**
 * An order answered, and its key's record lost before it was stored (the api SIGKILLed the moment
 * after answering): the client's retry takes the key over as a recovery, which finds the order stored
 * and answers it again. The answer must be the first one: the same order, position and the buyer's
 * balance right after this order's debit, not the balance the wallet has now (an audit found a
 * retry answering a balance with later credits in it).
 */
describe('an order answered again by a recovery', () => {
  it('says the balance right after its own debit, whatever the wallet received since', async () => {
    const { client: shop } = await fundedUser(zan.app, 'or-shop', 0, 'business');
    const { client: buyer } = await fundedUser(zan.app, 'or-buyer', 10_000);
    const { client: friend } = await fundedUser(zan.app, 'or-friend', 5_000);
    const { productId } = (await shop.post('/v1/merchants/me/products', { title: '普洱', price: 1_500, stock: 5 }).expect(201)).body as { productId: string };
    const order = { productId, quantity: 2, expectedPrice: 1_500 };
    const first = await buyer.post('/v1/orders', order, 'or-order-1').expect(201);
    expect(first.body).toMatchObject({ amount: 3_000, status: 'paid', balance: 7_000 });

    // Money arrives after the order, then the order is answered again as a recovery would.
    const gift = await friend.post('/v1/transfers', { toUserId: 'or-buyer', amount: 2_500 }).expect(201);
    const events = zan.app.get<EventStore>(EVENT_STORE);
    await eventually('the gift credited to the buyer', async () =>
      (await events.readStream(walletStream('or-buyer'), { fromRevision: 0, maxCount: 1000 })).some((event) => event.type === 'TransferReceived'),
    );
    const context = recoveringContext('or-buyer', 'or-order-1', '/v1/orders', order);
    const again = await zan.app.get(CommandBus).execute(new PlaceOrderCommand(context, productId, 2, 1_500));
    expect(again).toEqual(first.body);
    expect((await buyer.get(`/v1/wallets/me?after=${gift.body.position}`).expect(200)).body.balance).toBe(9_500);
  });
});
