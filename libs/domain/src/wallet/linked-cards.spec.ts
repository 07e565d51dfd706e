import * as fc from 'fast-check';
import { fold } from '../decider';
import { cardLinked, walletOpened } from '../testing/fixtures';
import { PROPERTY_PARAMS } from '../testing/property';
import { LinkedCards } from './linked-cards';
import { walletDecider } from './wallet.decider';

/** Map.prototype.set calls while `run` runs: the work of copying or filling card maps. */
const mapSetsDuring = (run: () => void): number => {
  const spy = jest.spyOn(Map.prototype, 'set');
  try {
    run();
    return spy.mock.calls.length;
  } finally {
    spy.mockRestore();
  }
};

describe('LinkedCards', () => {
  it('folds N BankCardLinked in work linear in N (copying the map per event was quadratic)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3000 }), (n) => {
        const events = [walletOpened('bob'), ...Array.from({ length: n }, (_, i) => cardLinked('bob', `card-${i}`, i % 7 === 0))];
        let state = walletDecider.initialState;
        const sets = mapSetsDuring(() => {
          state = fold(walletDecider, events);
        });
        expect(state.cards.size).toBe(n);
        expect(state.cards.hasPersonal).toBe(true);
        // One set per card (the first card starts its own log); quadratic would be n(n+1)/2.
        expect(sets).toBeLessThanOrEqual(n + 1);
      }),
      { ...PROPERTY_PARAMS, numRuns: 30 },
    );
  });

  it('behaves as an immutable map, whichever older value a card is linked on', () => {
    // Each step links a card on one of the values made so far (an older one: a cached state decided on again).
    const step = fc.record({ base: fc.nat(), cardId: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), personal: fc.boolean() });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
        const values: LinkedCards[] = [LinkedCards.empty()];
        const models: Map<string, boolean>[] = [new Map()];
        for (const { base, cardId, personal } of steps) {
          const from = base % values.length;
          values.push(values[from]!.with(cardId, { personal }));
          models.push(new Map(models[from]!).set(cardId, personal));
        }
        // Every value, old or new, still shows exactly what it showed when it was made.
        values.forEach((value, i) => {
          const model = models[i]!;
          expect(value.size).toBe(model.size);
          expect(value.hasPersonal).toBe([...model.values()].some(Boolean));
          expect(new Set(value.ids())).toEqual(new Set(model.keys()));
          for (const id of ['a', 'b', 'c', 'd', 'e', 'f']) expect(value.get(id)?.personal).toBe(model.get(id));
        });
      }),
      PROPERTY_PARAMS,
    );
  });
});
