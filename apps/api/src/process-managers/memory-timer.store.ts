import type { TimerStore } from './timer.store';

/** Timers in memory: durable only as long as the object (simulations and tests). */
export class MemoryTimerStore implements TimerStore {
  private readonly timers = new Map<string, number>();

  /** A simulation's checks read these without going through faults. */
  has(id: string): boolean {
    return this.timers.has(id);
  }

  get size(): number {
    return this.timers.size;
  }

  async schedule(id: string, dueAt: Date): Promise<void> {
    this.timers.set(id, dueAt.getTime());
  }

  async cancel(id: string): Promise<void> {
    this.timers.delete(id);
  }

  async due(now: Date, limit: number): Promise<{ id: string; dueAt: Date }[]> {
    return [...this.timers]
      .filter(([, at]) => at <= now.getTime())
      .sort(([a, x], [b, y]) => x - y || (a < b ? -1 : a > b ? 1 : 0))
      .slice(0, limit)
      .map(([id, at]) => ({ id, dueAt: new Date(at) }));
  }
}
