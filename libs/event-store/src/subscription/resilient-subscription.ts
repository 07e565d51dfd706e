import type { EventStore, Subscription, SubscriptionOptions } from '../event-store.port';

export interface ResilientOptions extends SubscriptionOptions {
  /** Backoff between restarts after a failure; doubles up to maxMs. */
  retry?: { initialMs: number; maxMs: number };
  /** Told about each failure before the restart (logs, metrics). */
  onRetry?: (error: unknown, attempt: number) => void;
  /**
   * Where to restart after a failure, for handlers that finish events out of order (concurrent
   * reactions): awaited before each restart. Default: after the last event onEvent returned from.
   */
  resumeAfter?: () => Promise<bigint | undefined>;
}

export interface ResilientSubscription extends Subscription {
  /**
   * Fails the running subscription as if onEvent had thrown `error`: it restarts after the backoff,
   * from resumeAfter. For failures found outside onEvent (a reaction that failed in the background
   * while the subscription sits caught up, with no next event to report it).
   */
  restart(error: unknown): void;
}

/**
 * A subscription that outlives failures: when a read or the handler fails (a dropped database
 * connection, a broker down), it restarts after a backoff from the last event handled, so the
 * failed event is delivered again (at least once) and nothing after it is skipped. Long-running
 * consumers (the relay, process managers) use this; a stopped subscription would strand money
 * in flight.
 */
export const subscribeResiliently = (store: EventStore, options: ResilientOptions): ResilientSubscription => {
  const { initialMs, maxMs } = options.retry ?? { initialMs: 100, maxMs: 5_000 };
  let after = options.after;
  let current: Subscription | undefined;
  let stopped = false;
  let wake: (() => void) | undefined;
  let attempt = 0;
  /** Where the last restart resumed (resumeAfter): the backoff starts over only once that moves on. */
  let resumedAfter = options.after;
  let interrupted: { error: unknown } | undefined;

  const run = async (): Promise<void> => {
    while (!stopped) {
      let failure: unknown;
      interrupted = undefined;
      current = store.subscribeToAll({
        ...options,
        after,
        onEvent: async (event) => {
          await options.onEvent(event);
          after = event.position;
          // With resumeAfter, an event onEvent returned from may still fail (its reaction runs on):
          // progress is where resumeAfter answers, or a failing reaction restarts every initialMs for ever.
          if (!options.resumeAfter) attempt = 0;
        },
        onError: (error) => {
          failure = error;
        },
      });
      await current.done;
      // Set by restart() meanwhile (the compiler cannot see that).
      const interruption = interrupted as { error: unknown } | undefined;
      if (failure === undefined && interruption) failure = interruption.error;
      if (stopped || failure === undefined) return;
      if (options.resumeAfter) {
        after = await options.resumeAfter();
        if (after !== undefined && (resumedAfter === undefined || after > resumedAfter)) attempt = 0;
        resumedAfter = after;
      }
      attempt += 1;
      options.onRetry?.(failure, attempt);
      const delay = Math.min(maxMs, initialMs * 2 ** Math.min(attempt - 1, 16));
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  };

  const done = run();
  return {
    done,
    restart(error) {
      if (stopped || interrupted) return;
      interrupted = { error };
      void current?.stop();
    },
    async stop() {
      stopped = true;
      wake?.();
      await current?.stop();
      await done;
    },
  };
};
