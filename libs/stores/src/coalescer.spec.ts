import { Coalescer } from './coalescer';

describe('Coalescer', () => {
  it('writes a lone call at once and batches the calls that arrive while a batch is in flight', async () => {
    const batches: number[][] = [];
    let release: () => void = () => undefined;
    const coalescer = new Coalescer<number, number>(
      async (inputs) => {
        batches.push(inputs);
        if (batches.length === 1) await new Promise<void>((resolve) => (release = resolve));
        return inputs.map((n) => n * 10);
      },
      { maxInFlight: 1 },
    );
    const first = coalescer.run(1);
    const rest = [2, 3, 4].map((n) => coalescer.run(n));
    expect(batches).toEqual([[1]]);
    release();
    await expect(first).resolves.toBe(10);
    await expect(Promise.all(rest)).resolves.toEqual([20, 30, 40]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it('queues the calls of runAll together: one batch when it can start at once', async () => {
    const batches: number[][] = [];
    const coalescer = new Coalescer<number, number>(async (inputs) => (batches.push(inputs), inputs.map((n) => -n)));
    await expect(Promise.all(coalescer.runAll([1, 2, 3]))).resolves.toEqual([-1, -2, -3]);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('fails every call of a failed batch, and only those', async () => {
    const coalescer = new Coalescer<number, number>(
      async (inputs) => {
        if (inputs.includes(2)) throw new Error('no twos');
        return inputs;
      },
      { maxInFlight: 1, maxBatch: 1 },
    );
    const outcomes = await Promise.allSettled([1, 2, 3].map((n) => coalescer.run(n)));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });

  it('refuses an answer that does not match its batch', async () => {
    const coalescer = new Coalescer<number, number>(async () => []);
    await expect(coalescer.run(1)).rejects.toThrow('a batch of 1 answered 0 outputs');
  });
});
