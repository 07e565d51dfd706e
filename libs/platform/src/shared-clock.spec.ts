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

  it('does not take a reading whose round trip was longer than maxRoundTripMs', async () => {
    let delayMs = 0;
    const clock = new SharedClock(async () => {
      const read = new Date(Date.now() + 60_000);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      return read;
    }, 100);
    await clock.sync();
    delayMs = 400;
    await clock.sync();
    const ahead = clock.now().getTime() - Date.now();
    expect(ahead).toBeGreaterThan(59_900);
    expect(ahead).toBeLessThan(60_100);
  });

  it('takes a slow reading when it has none better', async () => {
    const clock = new SharedClock(async () => {
      const read = new Date(Date.now() + 60_000);
      await new Promise((resolve) => setTimeout(resolve, 300));
      return read;
    }, 100);
    await clock.sync();
    expect(clock.now().getTime() - Date.now()).toBeGreaterThan(59_000);
  });

  it('reads again at once when its first reading was slow', async () => {
    let reads = 0;
    const clock = await SharedClock.started(async () => {
      const read = new Date(Date.now() + 60_000);
      // A cold first reading: the reference answers 2 s after it read its clock.
      if (++reads === 1) await new Promise((resolve) => setTimeout(resolve, 2_000));
      return read;
    });
    clock.stop();
    expect(reads).toBe(2);
    const ahead = clock.now().getTime() - Date.now();
    expect(ahead).toBeGreaterThan(59_900);
    expect(ahead).toBeLessThan(60_100);
  });
});
