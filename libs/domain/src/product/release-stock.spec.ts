import type { DomainEvent } from '@zan/contracts';
import { fold } from '../decider';
import { productDecider, type ProductCommand } from './product.decider';
import { listed, reserved } from './product.fixtures';
import type { ProductState } from './product.state';

const release = (orderId: string, quantity = 1): ProductCommand => ({
  type: 'ReleaseStock',
  data: { productId: 'p1', orderId, quantity, reason: 'insufficient-funds' },
});
const released = (orderId: string, quantity = 1): DomainEvent<'ProductStockReleased'> => ({
  type: 'ProductStockReleased',
  data: { productId: 'p1', merchantId: 'shop', orderId, quantity, reason: 'insufficient-funds' },
});

/**
 * Every declined order of a product stays in its state (a redelivered release must change nothing),
 * and the api folds the whole stream again on every cache miss: a restart, an eviction, another replica.
 */
describe('ReleaseStock on a product with many declined orders', () => {
  const ORDERS = 40_000;
  // Generous: the fold takes well under a second; copying the released orders on each release took ~19 s.
  const BUDGET_MS = 8_000;

  it('folds 40,000 releases in time proportional to them, and still releases each order once', () => {
    const started = performance.now();
    let state = productDecider.evolve(productDecider.initialState, listed(1));
    for (let i = 0; i < ORDERS; i++) {
      state = productDecider.evolve(state, reserved(1, 0, `order-${i}`));
      state = productDecider.evolve(state, released(`order-${i}`));
      // Fail as soon as the budget is gone, rather than wait for a quadratic fold to end.
      if (i % 1_000 === 999 && performance.now() - started > BUDGET_MS) throw new Error(`${i + 1} releases folded in over ${BUDGET_MS} ms`);
    }
    expect(state).toMatchObject({ stock: 1, sold: 0 });
    // Any order released long ago, or just now, is released again for nothing.
    for (const orderId of ['order-0', 'order-20000', `order-${ORDERS - 1}`]) expect(productDecider.decide(release(orderId), state)).toEqual([]);
    const next = productDecider.evolve(state, reserved(1, 0, 'order-new'));
    expect(productDecider.decide(release('order-new'), next)).toEqual([released('order-new')]);
  });
});

describe('ReleaseStock decided on states made from one state (a batch decided again)', () => {
  it('sees only the releases of its own state', () => {
    const base = fold<ProductState>(productDecider, [listed(2), reserved(1, 1, 'o1'), reserved(1, 0, 'o2')]);
    const first = productDecider.evolve(base, released('o1'));
    const again = productDecider.evolve(base, released('o2'));
    expect(productDecider.decide(release('o1'), first)).toEqual([]);
    expect(productDecider.decide(release('o1'), again)).toEqual([released('o1')]);
    expect(productDecider.decide(release('o2'), again)).toEqual([]);
    expect(productDecider.decide(release('o2'), first)).toEqual([released('o2')]);
    expect(productDecider.decide(release('o1'), base)).toEqual([released('o1')]);
  });

  it('releases an order once when its release is decided twice in a row (two deliveries in one batch)', () => {
    let state = fold<ProductState>(productDecider, [listed(2), reserved(2, 0, 'o1')]);
    const decided = productDecider.decide(release('o1', 2), state);
    expect(decided).toEqual([released('o1', 2)]);
    state = decided.reduce(productDecider.evolve, state);
    expect(productDecider.decide(release('o1', 2), state)).toEqual([]);
    expect(state).toMatchObject({ stock: 2, sold: 0 });
  });
});
