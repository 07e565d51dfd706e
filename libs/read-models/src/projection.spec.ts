import { assertChange, InvalidChange, projectAll, type Change, type Projection } from './projection';
import { createProjections } from './projections';
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

describe('what the projections read of an event', () => {
  /** Metadata that fails any read: a rebuild reads events without theirs (ReadAllOptions.withoutMetadata). */
  const unreadable = new Proxy(
    {},
    {
      get: (_, field) => {
        throw new Error(`metadata.${String(field)} was read`);
      },
      has: () => {
        throw new Error('metadata was searched');
      },
      ownKeys: () => {
        throw new Error('metadata was listed');
      },
    },
  );

  it('never reaches the metadata: every projection gives the same changes without it', () => {
    const workload = new Workload()
      .open('alice')
      .open('bob', 'individual')
      .open('shop', 'business')
      .linkCard('alice')
      .verify('bob')
      .verify('shop', 'rejected')
      .fund('alice', 50_000)
      .withdraw('alice', 1_000)
      .transfer('alice', 'bob', 2_000)
      .publish('bob', 'a1')
      .like('a1', 'alice')
      .unlike('a1', 'alice')
      .tip('alice', 'bob', 'a1', 700)
      .sendRedPacket('alice', 'rp1', 3_000, 3, 'hi')
      .claim('rp1', 'bob', 1_200)
      .expire('rp1');
    const projections = createProjections();
    const types = new Set<string>();
    for (const event of workload.events) {
      types.add(event.type);
      expect(projectAll(projections, { ...event, metadata: unreadable as never })).toEqual(projectAll(projections, event));
    }
    expect(types.size).toBeGreaterThanOrEqual(15);
  });
});
