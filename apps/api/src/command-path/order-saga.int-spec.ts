import { Pool } from 'pg';
import {
  DEFAULT_LIMITS,
  orderStream,
  productStream,
  walletStream,
  type OrderRefundRequested,
  type ProductStockReserved,
  type StoredEvent,
} from '@zan/contracts';
import { auditLedger, type ProductState, type WalletCommand } from '@zan/domain';
import { createPostgresEventStore, type PostgresEventStore } from '@zan/event-store';
import { ZanMetrics, systemClock, type ZanConfig } from '@zan/platform';
import { isolation, testServers } from '../../../../test/support/isolation';
import { CommandMetrics } from '../observability/command-metrics';
import { CommandRunner } from './command-runner';
import { randomId } from './ids';
import { OrderSaga } from './order-saga';
import { OrderStreams } from './order-streams';
import { ProductStreams } from './product-streams';
import { WalletStreams } from './wallet-streams';

/**
 * The order and refund sagas' later steps, run by the api inline and by the credits process manager:
 * a step is stored once whoever runs it, a debit and its decline share one id, and a decline is
 * compensated (units or refund amount released) once.
 */
describe('OrderSaga (PostgreSQL)', () => {
  const { pgSchema } = isolation('saga');
  let store: PostgresEventStore;
  let runner: CommandRunner;
  let wallets: WalletStreams;
  let products: ProductStreams;
  let orders: OrderStreams;
  let saga: OrderSaga;

  beforeAll(async () => {
    store = await createPostgresEventStore({ connectionString: testServers().databaseUrl, schema: pgSchema, poolSize: 4 });
    runner = new CommandRunner(store.eventStore, new CommandMetrics(new ZanMetrics()), systemClock);
    wallets = new WalletStreams(runner, { limits: DEFAULT_LIMITS } as ZanConfig);
    products = new ProductStreams(runner);
    orders = new OrderStreams(runner);
    saga = new OrderSaga(runner, wallets);
  });

  afterAll(async () => {
    await store?.eventStore.close();
    const pool = new Pool({ connectionString: testServers().databaseUrl, max: 1 });
    await pool.query(`DROP SCHEMA IF EXISTS "${pgSchema}" CASCADE`);
    await pool.end();
  });

  const context = (userId: string) => ({ userId, correlationId: randomId(), commandId: randomId() });
  const onWallet = (userId: string, command: WalletCommand) => wallets.decide(userId, command, context(userId));
  const fundedBuyer = async (amount: number) => {
    const userId = `buyer-${randomId()}`;
    await onWallet(userId, { type: 'OpenWallet', data: { userId, kind: 'individual' } });
    await onWallet(userId, {
      type: 'RequestVerification',
      data: { userId, verificationId: randomId(), kind: 'individual', maskedName: '*', nameHash: 'a'.repeat(64), numberHash: 'b'.repeat(64) },
    });
    await onWallet(userId, { type: 'RecordVerification', data: { userId, decision: 'verified', decidedBy: 'admin' } });
    await onWallet(userId, { type: 'LinkBankCard', data: { userId, cardId: 'c', holderName: '*', holderNameHash: 'a'.repeat(64) } });
    if (amount > 0) await onWallet(userId, { type: 'FundWallet', data: { userId, fundingId: randomId(), cardId: 'c', amount } });
    return userId;
  };
  const listed = async (stock: number) => {
    const productId = randomId();
    const merchantId = `shop-${randomId()}`;
    await products.decide(
      productId,
      { type: 'ListProduct', data: { productId, merchantId, merchantName: '赞有限公司', title: 't', price: 1_000, stock } },
      context(merchantId),
    );
    return { productId, merchantId };
  };
  const reserve = async (productId: string, buyerId: string, quantity = 1) => {
    const done = await products.decide(
      productId,
      { type: 'ReserveStock', data: { productId, orderId: randomId(), buyerId, quantity, expectedPrice: 1_000 } },
      context(buyerId),
    );
    return done.events[0] as StoredEvent<ProductStockReserved>;
  };
  const stockOf = async (productId: string) => (await products.load(productId)).state as Extract<ProductState, { status: 'listed' }>;

  it('declines a reservation the buyer cannot pay for (spent meanwhile) and gives the units back, once', async () => {
    const { productId } = await listed(2);
    const buyerId = await fundedBuyer(1_000);
    const reservation = await reserve(productId, buyerId);
    // The buyer spends the money between the api's pre-check and the payment.
    await onWallet(buyerId, { type: 'WithdrawFunds', data: { userId: buyerId, withdrawalId: randomId(), cardId: 'c', amount: 1_000 } });
    const outcome = await saga.payOrder(reservation);
    expect(outcome && 'declined' in outcome && outcome.declined.data.reason).toBe('insufficient-funds');
    if (!outcome || !('declined' in outcome)) throw new Error('expected a decline');
    await saga.releaseStock(outcome.declined);
    await saga.releaseStock(outcome.declined); // the process manager, redelivered
    expect(await stockOf(productId)).toMatchObject({ stock: 2, sold: 0 });
    // Funds arriving later never turn a declined order into a paid one: the payment's id is taken.
    await onWallet(buyerId, { type: 'FundWallet', data: { userId: buyerId, fundingId: randomId(), cardId: 'c', amount: 5_000 } });
    await saga.payOrder(reservation, false);
    const again = await saga.payOrder(reservation);
    expect(again && 'declined' in again).toBe(true);
    const buyer = await store.eventStore.readStream(walletStream(buyerId));
    expect(buyer.filter((e) => e.type === 'OrderPlaced')).toHaveLength(0);
    expect((await wallets.load(buyerId)).state.balance).toBe(5_000);
  });

  it('pays once whether the process manager or the api comes first, and opens the order once', async () => {
    const { productId } = await listed(5);
    const buyerId = await fundedBuyer(3_000);
    const reservation = await reserve(productId, buyerId, 2);
    await Promise.all([saga.payOrder(reservation, false), saga.payOrder(reservation, false)]); // the process manager, twice
    const inline = await saga.payOrder(reservation); // the api, after
    if (!inline || !('paid' in inline)) throw new Error('expected the stored payment');
    expect(inline.paid.data.amount).toBe(2_000);
    await Promise.all([saga.openOrder(inline.paid), saga.openOrder(inline.paid)]);
    expect((await wallets.load(buyerId)).state.balance).toBe(1_000);
    expect((await store.eventStore.readStream(orderStream(reservation.data.orderId))).map((e) => e.type)).toEqual(['OrderOpened']);
    expect(await stockOf(productId)).toMatchObject({ stock: 3, sold: 2 });
  });

  it('declines a refund the merchant cannot cover and frees its amount on the order; the audit stays exact', async () => {
    const { productId, merchantId } = await listed(5);
    const buyerId = await fundedBuyer(1_000);
    const reservation = await reserve(productId, buyerId);
    const paid = await saga.payOrder(reservation);
    if (!paid || !('paid' in paid)) throw new Error('expected a payment');
    await saga.openOrder(paid.paid);
    // The merchant was never credited (the process manager has not run): nothing to refund from.
    const orderId = reservation.data.orderId;
    const requested = await orders.decide(
      orderId,
      { type: 'RequestRefund', data: { orderId, refundId: randomId(), requestedBy: merchantId, byAdmin: false, amount: 600 } },
      context(merchantId),
    );
    const outcome = await saga.payRefund(requested.events[0] as StoredEvent<OrderRefundRequested>);
    if (!outcome || !('declined' in outcome)) throw new Error('expected a decline');
    await saga.releaseRefund(outcome.declined);
    await saga.releaseRefund(outcome.declined);
    expect((await orders.load(orderId)).state).toMatchObject({ refunded: 0, amount: 1_000 });
    const events = (
      await Promise.all([walletStream(buyerId), productStream(productId), orderStream(orderId)].map((s) => store.eventStore.readStream(s)))
    ).flat();
    const audit = auditLedger(events.sort((a, b) => (a.position < b.position ? -1 : 1)));
    // The merchant's credit is the one thing in flight: the process manager's to do.
    expect(audit.problems).toEqual([]);
    expect(audit.inFlight).toBe(1_000);
  });

  it('compensates on another replica whose cached order and product predate the reservation (the process manager is never stuck)', async () => {
    // Another api replica: its own runner and cache, where the credits process manager leads.
    const there = new CommandRunner(store.eventStore, new CommandMetrics(new ZanMetrics()), systemClock);
    const sagaThere = new OrderSaga(there, new WalletStreams(there, { limits: DEFAULT_LIMITS } as ZanConfig));
    const { productId, merchantId } = await listed(5);
    await new ProductStreams(there).load(productId); // cached there: 0 sold
    const spender = await fundedBuyer(1_000);
    const reservation = await reserve(productId, spender);
    await onWallet(spender, { type: 'WithdrawFunds', data: { userId: spender, withdrawalId: randomId(), cardId: 'c', amount: 1_000 } });
    const declined = await saga.payOrder(reservation);
    if (!declined || !('declined' in declined)) throw new Error('expected a decline');
    await saga.releaseStock(declined.declined); // the api, inline, here
    await sagaThere.releaseStock(declined.declined); // the process manager, there
    expect(await stockOf(productId)).toMatchObject({ stock: 5, sold: 0 });

    const buyerId = await fundedBuyer(1_000);
    const paid = await saga.payOrder(await reserve(productId, buyerId));
    if (!paid || !('paid' in paid)) throw new Error('expected a payment');
    await saga.openOrder(paid.paid);
    const orderId = paid.paid.data.orderId;
    await new OrderStreams(there).load(orderId); // cached there: nothing refunded
    const requested = await orders.decide(
      orderId,
      { type: 'RequestRefund', data: { orderId, refundId: randomId(), requestedBy: merchantId, byAdmin: false, amount: 600 } },
      context(merchantId),
    );
    const refused = await saga.payRefund(requested.events[0] as StoredEvent<OrderRefundRequested>);
    if (!refused || !('declined' in refused)) throw new Error('expected a decline');
    await saga.releaseRefund(refused.declined);
    await sagaThere.releaseRefund(refused.declined);
    const order = (await orders.load(orderId)).state;
    expect(order).toMatchObject({ refunded: 0 });
    expect(order.status === 'paid' && [...order.released]).toEqual([refused.declined.data.refundId]);
  });
});
