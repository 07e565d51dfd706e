import { MemoryReadModelStore } from '@zan/read-models';
import { Workload } from '../../libs/read-models/src/testing/workload';
import { crashingStore, crashPointFrom } from './crashing-projector';

describe('the crashing projector of the kill tests', () => {
  const deliveries = new Workload().open('a').open('b').open('c').open('d').deliveries();

  it('crashes at its N-th event, before or after applying it, counting across runs', async () => {
    for (const [point, applied] of [
      ['before-apply', 2],
      ['after-apply', 3],
    ] as const) {
      let crashed = 0;
      const inner = new MemoryReadModelStore();
      const store = crashingStore(inner, { point, delivery: 3, crash: () => void crashed++ });
      await store.applyMany!(deliveries.slice(0, 1));
      await expect(store.applyMany!(deliveries.slice(1))).rejects.toThrow(/crash point/);
      expect({ point, crashed, applied: (await inner.status()).applied }).toEqual({ point, crashed: 1, applied });
    }
  });

  it('counts events applied one by one too, and leaves the rest of the store as it is', async () => {
    let crashed = 0;
    const inner = new MemoryReadModelStore();
    const store = crashingStore(inner, { point: 'before-apply', delivery: 2, crash: () => void crashed++ });
    expect(await store.apply(deliveries[0]!)).toBe(true);
    await expect(store.apply(deliveries[1]!)).rejects.toThrow(/crash point/);
    expect(crashed).toBe(1);
    expect(await store.watermark()).toBe(deliveries[0]!.event.position);
  });

  it('reads its crash point from the test setting', () => {
    expect(crashPointFrom(undefined)).toBeUndefined();
    expect(crashPointFrom('after-apply:12')).toMatchObject({ point: 'after-apply', delivery: 12 });
    expect(() => crashPointFrom('sometime')).toThrow(/before-apply:N/);
  });
});
