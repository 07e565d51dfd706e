import fc from 'fast-check';
import { fold } from '../decider';
import { InvalidCommand } from '../errors';
import { specFor } from '../testing/given-when-then';
import { orderDecider, type OrderEvent } from './order.decider';
import { NotYourOrder, OrderNotFound, RefundExceedsPayment } from './order.errors';
import { opened, refundRequested } from './order.fixtures';

const given = specFor(orderDecider);
const refund = (amount: number, requestedBy = 'shop', byAdmin = false, refundId = 'r1') => ({
  type: 'RequestRefund' as const,
  data: { orderId: 'o1', refundId, requestedBy, byAdmin, amount },
});
const released = (amount: number, refundId = 'r1'): OrderEvent => ({
  type: 'OrderRefundReleased',
  data: { orderId: 'o1', refundId, amount, reason: 'insufficient-funds' },
});

describe('RequestRefund (step 1 of a refund, on the order stream)', () => {
  it('reserves a partial refund, then the rest', () => {
    given([opened(2_000)])
      .when(refund(500))
      .then([refundRequested(500)]);
    const { state } = given([opened(2_000), refundRequested(500)])
      .when(refund(1_500, 'shop', false, 'r2'))
      .then([refundRequested(1_500, 'r2')]);
    expect(state).toMatchObject({ refunded: 2_000 });
  });

  it('never lets the refunds sum past what was paid', () => {
    given([opened(2_000), refundRequested(1_500)])
      .when(refund(501, 'shop', false, 'r2'))
      .thenThrows(RefundExceedsPayment, /at most 500 fen more/);
  });

  it('frees a released refund’s amount again', () => {
    given([opened(2_000), refundRequested(2_000), released(2_000)])
      .when(refund(2_000, 'shop', false, 'r2'))
      .then([refundRequested(2_000, 'r2')]);
  });

  it('releases a refund once: a redelivered release changes nothing', () => {
    given([opened(2_000), refundRequested(500), released(500)])
      .when({ type: 'ReleaseRefund', data: { orderId: 'o1', refundId: 'r1', amount: 500, reason: 'insufficient-funds' } })
      .thenNothing();
  });

  it('is for the order’s merchant or an admin', () => {
    given([opened()]).when(refund(100, 'alice')).thenThrows(NotYourOrder);
    given([opened()])
      .when(refund(100, 'admin-1', true))
      .then([{ ...refundRequested(100), data: { ...refundRequested(100).data, requestedBy: 'admin-1' } }]);
  });

  it('needs an order and a payable amount', () => {
    given([]).when(refund(100)).thenThrows(OrderNotFound);
    given([opened()]).when(refund(0)).thenThrows(InvalidCommand);
  });

  it('property: whatever the requests and releases, refunded stays within 0..paid', () => {
    const step = fc.oneof(
      fc.integer({ min: 1, max: 3_000 }).map((amount) => ({ amount })),
      fc.constant({ release: true as const }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5_000 }), fc.array(step, { maxLength: 40 }), (paid, steps) => {
        const events: OrderEvent[] = [opened(paid * 2)];
        const reservedRefunds: { refundId: string; amount: number }[] = [];
        steps.forEach((s, i) => {
          const state = fold(orderDecider, events);
          if ('release' in s) {
            const last = reservedRefunds.pop();
            if (last) events.push(...orderDecider.decide({ type: 'ReleaseRefund', data: { orderId: 'o1', ...last, reason: 'insufficient-funds' } }, state));
            return;
          }
          try {
            const decided = orderDecider.decide(refund(s.amount, 'shop', false, `r${i}`), state);
            events.push(...decided);
            reservedRefunds.push({ refundId: `r${i}`, amount: s.amount });
          } catch (error) {
            expect(error).toBeInstanceOf(RefundExceedsPayment);
          }
          const after = fold(orderDecider, events);
          if (after.status === 'none') throw new Error('order vanished');
          expect(after.refunded).toBeGreaterThanOrEqual(0);
          expect(after.refunded).toBeLessThanOrEqual(after.amount);
        });
      }),
    );
  });
});
