import { Pool } from 'pg';
import { DEFAULT_LIMITS, productStream, type OrderPaymentDeclined, type ProductStockReserved, type StoredEvent } from '@zan/contracts';
import { productDecider, type ProductCommand, type ProductState, type WalletCommand } from '@zan/domain';
import { createPostgresEventStore, type PostgresEventStore } from '@zan/event-store';
import { ZanMetrics, systemClock, type ZanConfig } from '@zan/platform';
import { isolation, testServers } from '../../../../test/support/isolation';
import { CommandMetrics } from '../observability/command-metrics';
import { CommandRunner } from './command-runner';
import { randomId } from './ids';
import { OrderSaga } from './order-saga';
import { ProductStreams } from './product-streams';
import { WalletStreams } from './wallet-streams';

/**
 * A declined order's units go back to its product once, however often its release is delivered: by
 * the api inline and the credits process manager at once (one batch on the product's lane), on two
 * replicas whose cached states race (a conflict, decided again), or long after, on a product that
 * has gathered many declined orders since.
 */
describe('ReleaseStock, exactly once (PostgreSQL)', () => {
  const { pgSchema } = isolation('release');
  let store: PostgresEventStore;
  let here: CommandRunner;
  let there: CommandRunner;
  let saga: OrderSaga;
  let sagaThere: OrderSaga;
  let products: ProductStreams;

  beforeAll(async () => {
    store = await createPostgresEventStore({ connectionString: testServers().databaseUrl, schema: pgSchema, poolSize: 4 });
    here = new CommandRunner(store.eventStore, new CommandMetrics(new ZanMetrics()), systemClock);
    there = new CommandRunner(store.eventStore, new CommandMetrics(new ZanMetrics()), systemClock);
    saga = new OrderSaga(here, new WalletStreams(here, { limits: DEFAULT_LIMITS } as ZanConfig));
    sagaThere = new OrderSaga(there, new WalletStreams(there, { limits: DEFAULT_LIMITS } as ZanConfig));
    products = new ProductStreams(here);
  });

  afterAll(async () => {
    await store?.eventStore.close();
    const pool = new Pool({ connectionString: testServers().databaseUrl, max: 1 });
    await pool.query(`DROP SCHEMA IF EXISTS "${pgSchema}" CASCADE`);
    await pool.end();
  });

  const context = (userId: string) => ({ userId, correlationId: randomId(), commandId: randomId() });
  /** A buyer with an open wallet and no money: every payment of theirs is declined. */
  const brokeBuyer = async () => {
    const userId = `buyer-${randomId()}`;
    const wallets = new WalletStreams(here, { limits: DEFAULT_LIMITS } as ZanConfig);
    await wallets.decide(userId, { type: 'OpenWallet', data: { userId, kind: 'individual' } } as WalletCommand, context(userId));
    return userId;
  };
  const listed = async (stock: number) => {
    const productId = randomId();
    const merchantId = `shop-${randomId()}`;
    const listing: ProductCommand = { type: 'ListProduct', data: { productId, merchantId, merchantName: '赞有限公司', title: 't', price: 1_000, stock } };
    await products.decide(productId, listing, context(merchantId));
    return productId;
  };
  const declinedOrder = async (productId: string, buyerId: string, quantity = 1): Promise<StoredEvent<OrderPaymentDeclined>> => {
    const reserve: ProductCommand = { type: 'ReserveStock', data: { productId, orderId: randomId(), buyerId, quantity, expectedPrice: 1_000 } };
    const reserved = (await products.decide(productId, reserve, context(buyerId))).events[0] as StoredEvent<ProductStockReserved>;
    const outcome = await saga.payOrder(reserved);
    if (!outcome || !('declined' in outcome)) throw new Error('expected a decline');
    return outcome.declined;
  };
  /** The same order's release under another event id (a decline recorded again, ids derived otherwise): only the state can tell. */
  const releaseAnew = (runner: CommandRunner, declined: StoredEvent<OrderPaymentDeclined>) => {
    const { productId, orderId, quantity, reason } = declined.data;
    const command: ProductCommand = { type: 'ReleaseStock', data: { productId, orderId, quantity, reason } };
    return runner.execute<ProductState>({
      command: command.type,
      streamId: productStream(productId),
      folder: productDecider,
      decide: (state) => productDecider.decide(command, state),
      metadata: { ...declined.metadata, correlationId: randomId(), causationId: declined.id },
    });
  };
  const releasesOf = async (productId: string) =>
    (await store.eventStore.readStream(productStream(productId), { maxCount: 100_000 })).filter((e) => e.type === 'ProductStockReleased');
  const stateOf = async (productId: string) =>
    (await new ProductStreams(new CommandRunner(store.eventStore, new CommandMetrics(new ZanMetrics()), systemClock)).load(productId)).state;

  it('releases once when the release is delivered several times in one batch, under its own id and others', async () => {
    const productId = await listed(3);
    const buyerId = await brokeBuyer();
    const declined = await declinedOrder(productId, buyerId, 2);
    const appends = jest.spyOn(store.eventStore, 'append');
    try {
      await Promise.all([saga.releaseStock(declined), releaseAnew(here, declined), saga.releaseStock(declined), releaseAnew(here, declined)]);
      // The four waited in one lane: one batch, one append.
      expect(appends).toHaveBeenCalledTimes(1);
    } finally {
      appends.mockRestore();
    }
    await sagaThere.releaseStock(declined); // the process manager, on another replica
    expect(await releasesOf(productId)).toHaveLength(1);
    expect(await stateOf(productId)).toMatchObject({ stock: 3, sold: 0 });
  });

  it('releases a new order when it is batched with a redelivered one (the batch decided again on the stored state)', async () => {
    const productId = await listed(3);
    const buyerId = await brokeBuyer();
    const [earlier, later] = [await declinedOrder(productId, buyerId), await declinedOrder(productId, buyerId, 2)];
    await saga.releaseStock(earlier);
    // On the cached state the redelivery is a no-op, which a newer state could undo: the batch is
    // decided again on the stored state, where the later order must not count as released already.
    await Promise.all([saga.releaseStock(later), releaseAnew(here, earlier), releaseAnew(here, later)]);
    expect((await releasesOf(productId)).map((e) => (e.data as { orderId: string }).orderId)).toEqual([earlier.data.orderId, later.data.orderId]);
    expect(await stateOf(productId)).toMatchObject({ stock: 3, sold: 0 });
  });

  it('releases once when two replicas release on cached states that race (the loser decides again on the newer state)', async () => {
    const productId = await listed(4);
    const buyerId = await brokeBuyer();
    const declined = await declinedOrder(productId, buyerId, 2);
    const declinedToo = await declinedOrder(productId, buyerId, 1);
    await new ProductStreams(there).load(productId); // cached there: both orders' units taken
    await saga.releaseStock(declined); // here, inline
    // There decides on its stale cache: its append conflicts, it catches up and finds the order released.
    const anew = await releaseAnew(there, declined);
    expect(anew.events).toEqual([]);
    await sagaThere.releaseStock(declined); // the process manager, there: stored already
    // And two releases of another order racing on both replicas at once.
    await Promise.all([releaseAnew(here, declinedToo), releaseAnew(there, declinedToo), saga.releaseStock(declinedToo), sagaThere.releaseStock(declinedToo)]);
    expect((await releasesOf(productId)).map((e) => (e.data as { orderId: string }).orderId)).toEqual([declined.data.orderId, declinedToo.data.orderId]);
    expect(await stateOf(productId)).toMatchObject({ stock: 4, sold: 0 });
  });

  it('releases once on a product with many declined orders, folded afresh by a replica that never saw it', async () => {
    const productId = await listed(1);
    const buyerId = await brokeBuyer();
    const declines: StoredEvent<OrderPaymentDeclined>[] = [];
    for (let i = 0; i < 200; i++) {
      const declined = await declinedOrder(productId, buyerId);
      await saga.releaseStock(declined);
      declines.push(declined);
    }
    const fresh = new CommandRunner(store.eventStore, new CommandMetrics(new ZanMetrics()), systemClock);
    const outcomes = await Promise.all(declines.map((declined) => releaseAnew(fresh, declined)));
    expect(outcomes.flatMap((outcome) => outcome.events)).toEqual([]);
    expect(await releasesOf(productId)).toHaveLength(200);
    expect(await stateOf(productId)).toMatchObject({ stock: 1, sold: 0 });
  });
});
