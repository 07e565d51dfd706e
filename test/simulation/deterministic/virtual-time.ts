/**
 * Virtual time for one simulated run: while installed, the global setTimeout/setInterval (and their
 * clear functions), Date.now, performance.now and Math.random belong to it, so the production code under test runs
 * on a clock that only moves when every promise has settled, and on a seeded random source.
 * Nothing real is awaited but a setImmediate per step (to let the microtask queue run dry), so a
 * run is as fast as its CPU work and the same seed always gives the same interleaving.
 */
interface Timer {
  id: number;
  at: number;
  seq: number;
  callback: () => void;
  interval?: number;
  /** Timers of the simulated client survive a crash of the simulated process; the process's do not. */
  client: boolean;
}

class VirtualTimeout {
  constructor(readonly id: number) {}
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
  hasRef(): boolean {
    return true;
  }
  [Symbol.toPrimitive](): number {
    return this.id;
  }
}

const realSetImmediate = setImmediate;
const settle = (): Promise<void> => new Promise((resolve) => realSetImmediate(resolve));

export class VirtualTime {
  private timers: Timer[] = [];
  private nextId = 1;
  private seq = 0;
  private restore?: () => void;
  /** Timers fired so far (a measure of a run's work). */
  steps = 0;

  constructor(
    public now: number,
    private readonly random: () => number,
  ) {}

  install(): void {
    const saved = {
      setTimeout: globalThis.setTimeout,
      clearTimeout: globalThis.clearTimeout,
      setInterval: globalThis.setInterval,
      clearInterval: globalThis.clearInterval,
      random: Math.random,
      now: Date.now,
    };
    const clear = (handle: unknown) => this.clear(handle);
    Object.assign(globalThis, {
      setTimeout: (callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => this.add(() => callback(...args), ms, false),
      setInterval: (callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => this.add(() => callback(...args), ms, false, true),
      clearTimeout: clear,
      clearInterval: clear,
    });
    Math.random = this.random;
    Date.now = () => this.now;
    // The monotonic clock too: a cache's freshness (StreamStateCache) read on real time made a loaded
    // machine's run take other I/O calls than an idle one's, and the same seed another trace.
    const ownNow = Object.getOwnPropertyDescriptor(performance, 'now');
    performance.now = () => this.now;
    this.restore = () => {
      Object.assign(globalThis, {
        setTimeout: saved.setTimeout,
        clearTimeout: saved.clearTimeout,
        setInterval: saved.setInterval,
        clearInterval: saved.clearInterval,
      });
      Math.random = saved.random;
      Date.now = saved.now;
      if (ownNow) Object.defineProperty(performance, 'now', ownNow);
      else delete (performance as { now?: unknown }).now;
    };
  }

  uninstall(): void {
    this.restore?.();
    this.restore = undefined;
    this.timers = [];
  }

  /** A timer of the simulated client (the workload), which a crash of the process leaves alone. */
  clientTimer(ms: number, callback: () => void): void {
    this.add(callback, ms, true);
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.clientTimer(ms, resolve));
  }

  /** The process died: its timers never fire. */
  dropProcessTimers(): void {
    this.timers = this.timers.filter((timer) => timer.client);
  }

  get pending(): number {
    return this.timers.length;
  }

  /**
   * Runs timers in time order, each after every promise has settled, until `done` holds (checked
   * whenever the microtasks have run dry) or virtual time passes `until`. `between` runs at each
   * of those quiet points (crash handling). Answers whether `done` held.
   */
  async run(done: () => boolean, until: number, between: () => void = () => undefined): Promise<boolean> {
    for (;;) {
      await settle();
      between();
      if (done()) return true;
      const timer = this.timers[0];
      if (!timer || timer.at > until) return false;
      this.timers.shift();
      this.now = Math.max(this.now, timer.at);
      if (timer.interval !== undefined) this.insert({ ...timer, at: this.now + timer.interval, seq: this.seq++ });
      this.steps += 1;
      timer.callback();
    }
  }

  private add(callback: () => void, ms: number | undefined, client: boolean, repeat = false): VirtualTimeout {
    const delay = Math.max(0, Number.isFinite(ms) ? Number(ms) : 0);
    const id = this.nextId++;
    this.insert({ id, at: this.now + delay, seq: this.seq++, callback, client, ...(repeat && { interval: Math.max(1, delay) }) });
    return new VirtualTimeout(id);
  }

  private insert(timer: Timer): void {
    // Sorted by (at, seq): a binary search for the insertion point.
    let low = 0;
    let high = this.timers.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const other = this.timers[mid]!;
      if (other.at < timer.at || (other.at === timer.at && other.seq < timer.seq)) low = mid + 1;
      else high = mid;
    }
    this.timers.splice(low, 0, timer);
  }

  private clear(handle: unknown): void {
    if (handle === undefined || handle === null) return;
    const id = Number(handle);
    const index = this.timers.findIndex((timer) => timer.id === id);
    if (index >= 0) this.timers.splice(index, 1);
  }
}
