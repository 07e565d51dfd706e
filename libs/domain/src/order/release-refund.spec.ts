import type { DomainEvent } from '@zan/contracts';
import { orderDecider, type OrderCommand } from './order.decider';
import { opened, refundRequested } from './order.fixtures';

const release = (refundId: string, amount = 1): OrderCommand => ({
  type: 'ReleaseRefund',
  data: { orderId: 'o1', refundId, amount, reason: 'insufficient-funds' },
});
const released = (refundId: string, amount = 1): DomainEvent<'OrderRefundReleased'> => ({
  type: 'OrderRefundReleased',
  data: { orderId: 'o1', refundId, amount, reason: 'insufficient-funds' },
});

/**
 * A merchant whose wallet cannot cover a refund may ask for it again and again: each declined refund
 * stays in the order's state (a redelivered release must change nothing), folded again on every cache miss.
 */
describe('ReleaseRefund on an order with many declined refunds', () => {
  const REFUNDS = 40_000;
  // Generous: the fold takes well under a second; copying the released refunds on each release took ~19 s.
  const BUDGET_MS = 8_000;

  it('folds 40,000 released refunds in time proportional to them, and still releases each refund once', () => {
    const started = performance.now();
    let state = orderDecider.evolve(orderDecider.initialState, opened(2_000));
    for (let i = 0; i < REFUNDS; i++) {
      state = orderDecider.evolve(state, refundRequested(1, `refund-${i}`));
      state = orderDecider.evolve(state, released(`refund-${i}`));
      // Fail as soon as the budget is gone, rather than wait for a quadratic fold to end.
      if (i % 1_000 === 999 && performance.now() - started > BUDGET_MS) throw new Error(`${i + 1} releases folded in over ${BUDGET_MS} ms`);
    }
    expect(state).toMatchObject({ refunded: 0 });
    for (const refundId of ['refund-0', `refund-${REFUNDS - 1}`]) expect(orderDecider.decide(release(refundId), state)).toEqual([]);
    const next = orderDecider.evolve(state, refundRequested(1, 'refund-new'));
    expect(orderDecider.decide(release('refund-new'), next)).toEqual([released('refund-new')]);
  });

  it('sees only the releases of its own state (a batch decided again)', () => {
    const base = [refundRequested(1, 'r1'), refundRequested(1, 'r2')].reduce(
      orderDecider.evolve,
      orderDecider.evolve(orderDecider.initialState, opened(2_000)),
    );
    const first = orderDecider.evolve(base, released('r1'));
    const again = orderDecider.evolve(base, released('r2'));
    expect(orderDecider.decide(release('r1'), first)).toEqual([]);
    expect(orderDecider.decide(release('r1'), again)).toEqual([released('r1')]);
    expect(orderDecider.decide(release('r2'), first)).toEqual([released('r2')]);
  });
});
