import fc from 'fast-check';
import { fold } from '../decider';
import { DomainError } from '../errors';
import { productDecider, type ProductCommand, type ProductEvent } from './product.decider';
import { listed } from './product.fixtures';

/** Any sequence of orders, releases and restocks: the stock is never negative, never oversold. */
describe('stock rules (property)', () => {
  const step = fc.oneof(
    fc.record({ kind: fc.constant('buy' as const), quantity: fc.integer({ min: 1, max: 5 }) }),
    fc.record({ kind: fc.constant('release' as const) }),
    fc.record({ kind: fc.constant('restock' as const), stock: fc.option(fc.integer({ min: 0, max: 10 }), { nil: null }) }),
  );

  it('stock >= 0, sold = units reserved - released, and no order past the stock', () => {
    fc.assert(
      fc.property(fc.option(fc.integer({ min: 0, max: 10 }), { nil: null }), fc.array(step, { maxLength: 60 }), (initial, steps) => {
        const events: ProductEvent[] = [listed(initial)];
        const open: { orderId: string; quantity: number }[] = [];
        let taken = 0;
        steps.forEach((s, i) => {
          const state = fold(productDecider, events);
          let command: ProductCommand;
          if (s.kind === 'buy')
            command = { type: 'ReserveStock', data: { productId: 'p1', orderId: `o${i}`, buyerId: 'alice', quantity: s.quantity, expectedPrice: 1_000 } };
          else if (s.kind === 'restock') command = { type: 'RestockProduct', data: { productId: 'p1', merchantId: 'shop', stock: s.stock } };
          else {
            const order = open.shift();
            if (!order) return;
            command = { type: 'ReleaseStock', data: { productId: 'p1', orderId: order.orderId, quantity: order.quantity, reason: 'insufficient-funds' } };
          }
          try {
            const decided = productDecider.decide(command, state);
            for (const event of decided) {
              if (event.type === 'ProductStockReserved') {
                if (state.status !== 'none' && state.stock !== null) expect(event.data.quantity).toBeLessThanOrEqual(state.stock);
                open.push({ orderId: event.data.orderId, quantity: event.data.quantity });
                taken += event.data.quantity;
              }
              if (event.type === 'ProductStockReleased') taken -= event.data.quantity;
            }
            events.push(...decided);
          } catch (error) {
            expect(error).toBeInstanceOf(DomainError);
            expect(s.kind).toBe('buy');
          }
          const after = fold(productDecider, events);
          if (after.status === 'none') throw new Error('listed product vanished');
          expect(after.stock === null || after.stock >= 0).toBe(true);
          expect(after.sold).toBe(taken);
        });
      }),
    );
  });
});
