import fc from 'fast-check';
import { PersistentSet } from './persistent-set';

describe('PersistentSet', () => {
  it('holds what was added, and only that, whatever the keys (property, against Set)', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 6 }), { maxLength: 300 }), fc.array(fc.string({ maxLength: 6 }), { maxLength: 50 }), (keys, probes) => {
        const set = PersistentSet.of(keys);
        const expected = new Set(keys);
        expect(set.size).toBe(expected.size);
        expect([...set].sort()).toEqual([...expected].sort());
        for (const key of [...keys, ...probes]) expect(set.has(key)).toBe(expected.has(key));
      }),
    );
  });

  it('never changes a set it was made from: two sets made from one each hold only their own additions', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ maxLength: 5 }), { maxLength: 100 }),
        fc.uniqueArray(fc.string({ maxLength: 5 }), { maxLength: 50 }),
        fc.uniqueArray(fc.string({ maxLength: 5 }), { maxLength: 50 }),
        (common, left, right) => {
          const base = PersistentSet.of(common);
          const [a, b] = [left.reduce((set, key) => set.with(key), base), right.reduce((set, key) => set.with(key), base)];
          for (const key of [...common, ...left, ...right]) {
            expect(base.has(key)).toBe(common.includes(key));
            expect(a.has(key)).toBe(common.includes(key) || left.includes(key));
            expect(b.has(key)).toBe(common.includes(key) || right.includes(key));
          }
        },
      ),
    );
  });

  it('tells apart keys whose hashes are equal', () => {
    // FNV-1a gives both 0xee85d902.
    const one = PersistentSet.empty.with('order-229599');
    expect(one.has('order-432382')).toBe(false);
    const both = one.with('order-432382');
    expect([both.has('order-229599'), both.has('order-432382'), both.size]).toEqual([true, true, 2]);
    expect(both.with('order-229599')).toBe(both);
    expect(one.has('order-432382')).toBe(false);
  });

  it('answers itself when the key is in it already', () => {
    const set = PersistentSet.of(['a', 'b']);
    expect(set.with('a')).toBe(set);
  });

  it('holds the empty key like any other', () => {
    const set = PersistentSet.of(['', 'a']);
    expect([set.has(''), set.size, [...set].sort()]).toEqual([true, 2, ['', 'a']]);
  });

  it('is logged as its keys', () => {
    expect(JSON.parse(JSON.stringify({ released: PersistentSet.of(['o1']) }))).toEqual({ released: ['o1'] });
  });
});
