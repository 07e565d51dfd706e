/**
 * A wake-up signal that cannot be lost: a reader notes the generation before it reads, and waiting
 * returns at once if a signal came in since.
 */
export class Wakeup {
  private current = 0;
  private readonly waiters = new Set<() => void>();

  get generation(): number {
    return this.current;
  }

  notify(): void {
    this.current += 1;
    for (const wake of [...this.waiters]) wake();
  }

  /** Resolves on the next signal after `since`, or after `timeoutMs`. */
  wait(since: number, timeoutMs: number): Promise<void> {
    if (this.current !== since) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, timeoutMs);
      this.waiters.add(wake);
    });
  }
}
