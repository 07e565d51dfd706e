import { KnownEventIds } from './known-event-ids';

const events = (from: number, count: number, tag = 'e') =>
  Array.from({ length: count }, (_, i) => ({ id: `${tag}-${from + i}`.toUpperCase(), revision: from + i }));

describe('KnownEventIds', () => {
  it('knows the ids of a stream through a revision, case-insensitively', () => {
    const known = new KnownEventIds(100);
    expect(known.revisionOf('s')).toBe(-1);
    known.add('s', events(0, 3));
    expect(known.revisionOf('s')).toBe(2);
    expect(known.find('s', ['e-1', 'x', 'E-2'])).toEqual(['e-1', 'E-2']);
    expect(known.find('other', ['e-1'])).toEqual([]);
  });

  it('skips what it knows and ignores events after a gap', () => {
    const known = new KnownEventIds(100);
    known.add('s', events(0, 2));
    known.add('s', events(1, 3));
    expect(known.revisionOf('s')).toBe(3);
    known.add('s', events(6, 1, 'late'));
    expect(known.revisionOf('s')).toBe(3);
    expect(known.find('s', ['late-6'])).toEqual([]);
    expect(known.size).toBe(4);
  });

  it('forgets the least recently used streams beyond its limit, never the one in use', () => {
    const known = new KnownEventIds(5);
    known.add('a', events(0, 2));
    known.add('b', events(0, 2));
    known.add('a', events(2, 1));
    known.add('c', events(0, 2));
    expect(known.revisionOf('b')).toBe(-1);
    expect(known.revisionOf('a')).toBe(2);
    expect(known.size).toBe(5);
    known.add('big', events(0, 9));
    expect(known.revisionOf('big')).toBe(8);
    expect([known.revisionOf('a'), known.revisionOf('c')]).toEqual([-1, -1]);
  });
});
