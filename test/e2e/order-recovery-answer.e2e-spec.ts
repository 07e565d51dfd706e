import { CommandBus } from '@nestjs/cqrs';
import { walletStream } from '@zan/contracts';
import { EVENT_STORE, type EventStore } from '@zan/event-store';
import { PlaceOrderCommand } from '../../apps/api/src/orders/place-order/place-order.handler';
import { eventually } from '../support/eventually';
import { fundedUser } from '../support/http-client';
import { recoveringContext } from '../support/recovery';
import { type RunningZan, startEmbeddedZan } from '../support/stacks';

/**
 * An order answered, and its key's record lost before it was stored (the api SIGKILLed the moment
 * after answering): the client's retry takes the key over as a recovery, which finds the order stored
 * and answers it again. The answer must be the first one: the same order, position and the buyer's
 * balance right after this order's debit, not the balance the wallet has now (an audit found a
 * retry answering a balance with later credits in it).
 */
describe('an order answered again by a recovery', () => {
  let zan: RunningZan;
  beforeAll(async () => {
    zan = await startEmbeddedZan({ env: { ZAN_RATE_LIMIT_PER_MINUTE: '0' } });
  }, 120_000);
  afterAll(async () => {
    await zan?.close();
  }, 60_000);

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
