import { Wakeup } from './wakeup';

describe('Wakeup', () => {
  it('returns at once when a signal came in after the generation was noted', async () => {
    const wakeup = new Wakeup();
    const since = wakeup.generation;
    wakeup.notify();
    const started = Date.now();
    await wakeup.wait(since, 10_000);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('wakes a waiter on notify, and times out without one', async () => {
    const wakeup = new Wakeup();
    const waiting = wakeup.wait(wakeup.generation, 10_000);
    wakeup.notify();
    await waiting;
    const started = Date.now();
    await wakeup.wait(wakeup.generation, 20);
    expect(Date.now() - started).toBeGreaterThanOrEqual(15);
  });
});
