import { Pool } from 'pg';
import { productStream } from '@zan/contracts';
import { PriceChanged, SoldOut, type ProductState } from '@zan/domain';
import { createPostgresEventStore, type EventStore, type PostgresEventStore } from '@zan/event-store';
import { ZanMetrics, systemClock } from '@zan/platform';
import { isolation, testServers } from '../../../../test/support/isolation';
import { CommandMetrics } from '../observability/command-metrics';
import { CommandRunner } from './command-runner';
import type { Executed } from './execution';
import { randomId } from './ids';
import { ProductStreams } from './product-streams';
import { FRESH_MS } from './stream-state-cache';

/**
 * A flash sale on the product stream: a crowd's orders decided in batches, never oversold, and once
 * the stock is gone the crowd is answered from the cached state without reading the store; another
 * process's restock is seen once the cached state is no longer fresh.
 */
describe('ProductStreams under a crowd (PostgreSQL)', () => {
  const { pgSchema } = isolation('flash');
  let store: PostgresEventStore;
  const reads = new Map<string, number>();
  let appends = 0;
  let here: ProductStreams;
  let there: ProductStreams;

  /** The real store, its reads and appends counted. */
  const counted = (inner: EventStore): EventStore =>
    new Proxy(inner, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver) as unknown;
        if (property === 'readStream') {
          return (streamId: string, ...rest: unknown[]) => {
            reads.set(streamId, (reads.get(streamId) ?? 0) + 1);
            return (value as (...args: unknown[]) => unknown).call(target, streamId, ...rest);
          };
        }
        if (property === 'append') {
          return (...args: unknown[]) => {
            appends++;
            return (value as (...args: unknown[]) => unknown).apply(target, args);
          };
        }
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });

  beforeAll(async () => {
    store = await createPostgresEventStore({ connectionString: testServers().databaseUrl, schema: pgSchema, poolSize: 4 });
    here = new ProductStreams(new CommandRunner(counted(store.eventStore), new CommandMetrics(new ZanMetrics()), systemClock));
    there = new ProductStreams(new CommandRunner(store.eventStore, new CommandMetrics(new ZanMetrics()), systemClock));
  });

  afterAll(async () => {
    await store?.eventStore.close();
    const pool = new Pool({ connectionString: testServers().databaseUrl, max: 1 });
    await pool.query(`DROP SCHEMA IF EXISTS "${pgSchema}" CASCADE`);
    await pool.end();
  });

  const context = (userId: string) => ({ userId, correlationId: randomId(), commandId: randomId() });
  const list = async (stock: number) => {
    const productId = randomId();
    const merchantId = `shop-${randomId()}`;
    await here.decide(
      productId,
      { type: 'ListProduct', data: { productId, merchantId, merchantName: '赞有限公司', title: 't', price: 1_000, stock } },
      context(merchantId),
    );
    return { productId, merchantId };
  };
  const reserve = (streams: ProductStreams, productId: string, expectedPrice = 1_000) => {
    const buyerId = `buyer-${randomId()}`;
    return streams.decide(productId, { type: 'ReserveStock', data: { productId, orderId: randomId(), buyerId, quantity: 1, expectedPrice } }, context(buyerId));
  };
  const settle = (orders: Promise<Executed<ProductState>>[]) => Promise.allSettled(orders);
  const reservedOf = (results: PromiseSettledResult<Executed<ProductState>>[]) => results.filter((r) => r.status === 'fulfilled').length;
  const refusalsOf = (results: PromiseSettledResult<Executed<ProductState>>[]) =>
    results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason as unknown);

  it('sells exactly the stock to a crowd, then answers the rest of it sold out from the cache without a read or an append', async () => {
    const { productId } = await list(5);
    const first = await settle(Array.from({ length: 60 }, () => reserve(here, productId)));
    expect(reservedOf(first)).toBe(5);
    expect(refusalsOf(first).every((error) => error instanceof SoldOut)).toBe(true);

    const readsBefore = reads.get(productStream(productId)) ?? 0;
    const appendsBefore = appends;
    // The late crowd comes within FRESH_MS of that append, however slow the machine: the cache's clock
    // stands still while it is answered (a slow CI host once took longer than FRESH_MS over the 200).
    const ownNow = Object.getOwnPropertyDescriptor(performance, 'now');
    const frozenAt = performance.now();
    performance.now = () => frozenAt;
    try {
      const late = await settle(Array.from({ length: 200 }, () => reserve(here, productId)));
      expect(reservedOf(late)).toBe(0);
      expect(refusalsOf(late).every((error) => error instanceof SoldOut)).toBe(true);
      // The cached state (stock 0, confirmed by the append of the last units moments ago) answered them all.
      expect(reads.get(productStream(productId)) ?? 0).toBe(readsBefore);
      expect(appends).toBe(appendsBefore);
      // A price the buyer did not see is answered the same way.
      await expect(reserve(here, productId, 900)).rejects.toBeInstanceOf(PriceChanged);
      expect(reads.get(productStream(productId)) ?? 0).toBe(readsBefore);
    } finally {
      if (ownNow) Object.defineProperty(performance, 'now', ownNow);
      else delete (performance as { now?: unknown }).now;
    }
    expect((await store.eventStore.readStream(productStream(productId), { fromRevision: 0 })).filter((e) => e.type === 'ProductStockReserved')).toHaveLength(5);
  });

  it("sees another process's restock once its cached state is no longer fresh, and still never oversells", async () => {
    const { productId, merchantId } = await list(1);
    await reserve(here, productId);
    await expect(reserve(here, productId)).rejects.toBeInstanceOf(SoldOut);
    await there.decide(productId, { type: 'RestockProduct', data: { productId, merchantId, stock: 3 } }, context(merchantId));
    await new Promise((resolve) => setTimeout(resolve, FRESH_MS + 50));
    const results = await settle(Array.from({ length: 20 }, () => reserve(here, productId)));
    expect(reservedOf(results)).toBe(3);
    expect(refusalsOf(results).every((error) => error instanceof SoldOut)).toBe(true);
    const state = (await there.load(productId)).state;
    expect(state.status === 'listed' && [state.stock, state.sold]).toEqual([0, 4]);
  });

  it("shares one read among a crowd's pre-checks arriving as the cached state turns stale", async () => {
    const { productId } = await list(1);
    await reserve(here, productId);
    await new Promise((resolve) => setTimeout(resolve, FRESH_MS + 50));
    const before = reads.get(productStream(productId)) ?? 0;
    const states = await Promise.all(Array.from({ length: 50 }, () => here.loadForOrder(productId)));
    expect((reads.get(productStream(productId)) ?? 0) - before).toBe(1);
    expect(states.map(({ state }) => state.status === 'listed' && state.stock)).toEqual(states.map(() => 0));
  });
});
