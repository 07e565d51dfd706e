import type { DueTimer, TimerCause, TimerStore } from './timer-store.port';

/** Timers in memory: durable only as long as the object (simulations and tests). */
export class MemoryTimerStore implements TimerStore {
  private readonly timers = new Map<string, { at: number; cause?: TimerCause }>();

  /** A simulation's checks read these without going through faults. */
  has(id: string): boolean {
    return this.timers.has(id);
  }

  get size(): number {
    return this.timers.size;
  }

  async schedule(id: string, dueAt: Date, cause?: TimerCause): Promise<void> {
    this.timers.set(id, { at: dueAt.getTime(), ...(cause && { cause: { ...cause } }) });
  }

  async cancel(id: string): Promise<void> {
    this.timers.delete(id);
  }

  async due(now: Date, limit: number): Promise<DueTimer[]> {
    return [...this.timers]
      .filter(([, timer]) => timer.at <= now.getTime())
      .sort(([a, x], [b, y]) => x.at - y.at || (a < b ? -1 : a > b ? 1 : 0))
      .slice(0, limit)
      .map(([id, { at, cause }]) => ({ id, dueAt: new Date(at), ...(cause && { cause: { ...cause } }) }));
  }
}
