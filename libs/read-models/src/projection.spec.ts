import { assertChange, InvalidChange, projectAll, type Change, type Projection } from './projection';
import { Workload } from './testing/workload';

describe('assertChange', () => {
  it.each<Change>([
    { op: 'hset', key: 'k', values: { a: 'x', b: 1 } },
    { op: 'hincrby', key: 'k', field: 'f', by: -5 },
    { op: 'zincrby', key: 'k', member: 'm', by: 3 },
    { op: 'zadd', key: 'k', score: 0, member: 'm' },
    { op: 'ztrim', key: 'k', keep: 1 },
  ])('accepts $op', (change) => {
    expect(() => assertChange(change)).not.toThrow();
  });

  it.each<Change>([
    { op: 'hset', key: 'k', values: {} },
    { op: 'hset', key: 'k', values: { a: 1.5 } },
    { op: 'hincrby', key: 'k', field: 'f', by: 0.1 },
    { op: 'zincrby', key: 'k', member: 'm', by: 2 ** 53 },
    { op: 'zadd', key: 'k', score: Number.NaN, member: 'm' },
    { op: 'ztrim', key: 'k', keep: 0 },
    { op: 'hincrby', key: '', field: 'f', by: 1 },
    { op: 'del', key: 'k' } as unknown as Change,
  ])('refuses a change a store could only half apply: %j', (change) => {
    expect(() => assertChange(change)).toThrow(InvalidChange);
  });

  it('checks every projection output before a store sees it', () => {
    const broken: Projection = { name: 'broken', project: () => [{ op: 'hincrby', key: 'k', field: 'f', by: 0.5 }] };
    const event = new Workload().open('alice').events[0];
    expect(() => projectAll([broken], event)).toThrow(InvalidChange);
  });
});
