/**
 * Who set a timer, so the event it fires is linked to its chain: the correlation id of the command
 * that started it, and the id of the event the timer was set by (its causation).
 */
export interface TimerCause {
  correlationId: string;
  causationId: string;
}

export interface DueTimer {
  id: string;
  dueAt: Date;
  /** Absent for a timer stored before timers kept their cause. */
  cause?: TimerCause;
}

/** Durable timers: what must happen at a time, surviving restarts. */
export interface TimerStore {
  /** Schedules `id` (again: moves it, and replaces its cause). */
  schedule(id: string, dueAt: Date, cause?: TimerCause): Promise<void>;
  cancel(id: string): Promise<void>;
  due(now: Date, limit: number): Promise<DueTimer[]>;
  /**
   * The store's own clock, one for every replica (the database's, Redis's): timers run by it, so a
   * leader whose clock runs fast neither fires them nor decides an expiry before its announced time.
   */
  now?(): Promise<Date>;
}

export const TIMER_STORE = Symbol('TIMER_STORE');
