import { SharedClock } from './clock';

describe('SharedClock', () => {
  it('tells the reference’s time, read at the middle of its round trip, without reading it again', async () => {
    let reads = 0;
    const clock = new SharedClock(async () => {
      reads++;
      return new Date(Date.now() - 12_000);
    });
    await clock.sync();
    const lag = Date.now() - clock.now().getTime();
    expect(lag).toBeGreaterThan(11_000);
    expect(lag).toBeLessThan(13_000);
    expect(reads).toBe(1);
  });

  it('keeps the last offset when the reference cannot be read', async () => {
    let fail = false;
    const clock = new SharedClock(async () => {
      if (fail) throw new Error('store unreachable');
      return new Date(Date.now() + 60_000);
    });
    await clock.sync();
    fail = true;
    await clock.sync();
    expect(clock.now().getTime() - Date.now()).toBeGreaterThan(59_000);
  });
});
