import { randomUUID } from 'node:crypto';
import { DEFAULT_LIMITS, productStream, walletStream, type ProductStockReserved, type StoredEvent } from '@zan/contracts';
import { MemoryEventStore } from '@zan/event-store';
import { ZanMetrics, type ZanConfig } from '@zan/platform';
import { CommandMetrics } from '../observability/command-metrics';
import { CommandRunner } from './command-runner';
import { OrderSaga } from './order-saga';
import { WalletStreams } from './wallet-streams';

/** 23:59:55 in Beijing: five seconds before the day's spending limit starts again. */
const RESERVED_AT = Date.parse('2026-12-06T15:59:55.000Z');
const metadata = { correlationId: 'c', causationId: 'c', userId: 'test' };
const limits = { ...DEFAULT_LIMITS, dailySpend: 1_000 };

/**
 * A buyer who spent 800 fen of a 1,000 fen day, and a 500 fen order reserved at RESERVED_AT; a saga
 * whose command runner reads the clock `at`.
 */
const setUp = async () => {
  const store = new MemoryEventStore();
  const sagaAt = (at: number) => {
    const runner = new CommandRunner(store, new CommandMetrics(new ZanMetrics()), { now: () => new Date(at) });
    return new OrderSaga(runner, new WalletStreams(runner, { limits } as ZanConfig));
  };
  const seeded = (type: string, data: object, at: number) => ({ id: randomUUID(), type, data, metadata, occurredAt: new Date(at).toISOString() });
  await store.append(
    walletStream('bo'),
    [
      seeded('WalletOpened', { userId: 'bo', kind: 'individual' }, RESERVED_AT - 60_000),
      seeded('WalletFunded', { userId: 'bo', fundingId: 'f', amount: 5_000, source: { kind: 'card', cardId: 'c' } }, RESERVED_AT - 60_000),
      seeded('FundsTransferred', { transferId: 't', fromUserId: 'bo', toUserId: 'cy', amount: 800 }, RESERVED_AT - 30_000),
    ],
    'no_stream',
  );
  const data: ProductStockReserved = {
    productId: 'p1',
    merchantId: 'shop',
    orderId: 'o1',
    buyerId: 'bo',
    quantity: 1,
    unitPrice: 500,
    amount: 500,
    stockLeft: null,
  };
  const [reserved] = (await store.append(productStream('p1'), [seeded('ProductStockReserved', data, RESERVED_AT)], 'no_stream')).events;
  return { store, sagaAt, reserved: reserved as StoredEvent<ProductStockReserved> };
};

describe('OrderSaga.payOrder', () => {
  it('judges the daily limit at the reservation’s instant, whichever process pays it and whatever its clock says', async () => {
    const { store, sagaAt, reserved } = await setUp();
    // The credits process manager on a replica 12 s fast (already tomorrow in Beijing by its clock),
    // racing the api's inline payment of the same reservation, as it does for every order.
    await sagaAt(RESERVED_AT + 12_000)
      .steps()
      .payOrder(reserved);
    const paid = (await store.readStream(walletStream('bo'))).at(-1)!;
    expect([paid.type, (paid.data as { reason?: string }).reason]).toEqual(['OrderPaymentDeclined', 'daily-limit-exceeded']);
    // The api's answer is that same stored decision: 800 + 500 fen on one Beijing day is past its 1,000.
    const answered = await sagaAt(RESERVED_AT + 5).payOrder(reserved);
    expect(answered && 'declined' in answered).toBe(true);
  });

  it('pays a reservation made after midnight against the new day, though the paying clock is still in the old one', async () => {
    const { store, sagaAt } = await setUp();
    const data: ProductStockReserved = {
      productId: 'p1',
      merchantId: 'shop',
      orderId: 'o2',
      buyerId: 'bo',
      quantity: 1,
      unitPrice: 500,
      amount: 500,
      stockLeft: null,
    };
    const after = { id: randomUUID(), type: 'ProductStockReserved', data, metadata, occurredAt: new Date(RESERVED_AT + 10_000).toISOString() };
    const [reserved] = (await store.append(productStream('p1'), [after], 0)).events;
    await sagaAt(RESERVED_AT)
      .steps()
      .payOrder(reserved as StoredEvent<ProductStockReserved>);
    expect((await store.readStream(walletStream('bo'))).at(-1)!.type).toBe('OrderPlaced');
  });
});
