import * as fc from 'fast-check';
import { fold } from '../decider';
import { PROPERTY_PARAMS } from '../testing/property';
import { articleDecider } from './article.decider';
import { liked, published, unliked } from './article.fixtures';
import { Likers } from './likers';

/** Set.add, Map.set and Array.push calls while `run` runs: the work of copying or filling likers. */
const insertsDuring = (run: () => void): number => {
  const spies = [jest.spyOn(Set.prototype, 'add'), jest.spyOn(Map.prototype, 'set'), jest.spyOn(Array.prototype, 'push')];
  try {
    run();
    return spies.reduce((sum, spy) => sum + spy.mock.calls.length, 0);
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
};

describe('Likers', () => {
  it('folds N likes in work linear in N (copying a set per like was quadratic)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3000 }), (n) => {
        const events = [published(), ...Array.from({ length: n }, (_, i) => liked(`u${i}`)), unliked('u0')];
        let state = articleDecider.initialState;
        const inserts = insertsDuring(() => {
          state = fold(articleDecider, events);
        });
        expect(state.status === 'published' && [state.likers.size, state.likers.has('u0'), state.likers.has(`u${n - 1}`)]).toEqual([n - 1, false, n > 1]);
        // An entry, its index and a reader per like or unlike; copying a set per like would be about n²/2.
        expect(inserts).toBeLessThanOrEqual(3 * (n + 1) + 3);
      }),
      { ...PROPERTY_PARAMS, numRuns: 30 },
    );
  });

  it('behaves as an immutable set, whichever older value a like or an unlike is applied on', () => {
    // Each step changes one of the values made so far (an older one: a cached state decided on again).
    const step = fc.record({ base: fc.nat(), userId: fc.constantFrom('a', 'b', 'c', 'd', 'e'), like: fc.boolean() });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
        const values: Likers[] = [Likers.empty()];
        const models: Set<string>[] = [new Set()];
        for (const { base, userId, like } of steps) {
          const from = base % values.length;
          values.push(values[from]!.with(userId, like));
          const model = new Set(models[from]!);
          if (like) model.add(userId);
          else model.delete(userId);
          models.push(model);
        }
        // Every value, old or new, still shows exactly what it showed when it was made.
        values.forEach((value, i) => {
          expect(value.size).toBe(models[i]!.size);
          for (const id of ['a', 'b', 'c', 'd', 'e']) expect(value.has(id)).toBe(models[i]!.has(id));
        });
      }),
      PROPERTY_PARAMS,
    );
  });
});
