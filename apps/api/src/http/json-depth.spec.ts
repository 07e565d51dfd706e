import { nestsDeeperThan } from './json-depth';

describe('nestsDeeperThan', () => {
  const nest = (depth: number) => Buffer.from('['.repeat(depth) + ']'.repeat(depth));

  it('counts arrays and objects, up to the limit and past it', () => {
    expect(nestsDeeperThan(nest(3), 3)).toBe(false);
    expect(nestsDeeperThan(nest(4), 3)).toBe(true);
    expect(nestsDeeperThan(Buffer.from('{"a":{"b":[{"c":1}]}}'), 4)).toBe(false);
    expect(nestsDeeperThan(Buffer.from('{"a":{"b":[{"c":[1]}]}}'), 4)).toBe(true);
  });

  it('skips brackets inside strings, escaped quotes included', () => {
    expect(nestsDeeperThan(Buffer.from(`{"note":"${'[{'.repeat(100)}\\"${'['.repeat(100)}"}`), 1)).toBe(false);
    expect(nestsDeeperThan(Buffer.from('{"a":"\\\\",'.concat('"b":[[1]]}')), 2)).toBe(true);
  });

  it('counts siblings once: depth, not the number of brackets', () => {
    expect(nestsDeeperThan(Buffer.from(`[${Array.from({ length: 1000 }, () => '[1]').join(',')}]`), 2)).toBe(false);
  });
});
