import type { StoredEvent } from '@zan/contracts';
import type { Subscription, SubscriptionOptions } from '../event-store.port';
import type { Wakeup } from './wakeup';

export interface CatchUpSource {
  /** Events strictly after `after` in global order, at most maxCount. */
  read(after: bigint | undefined, maxCount: number): Promise<StoredEvent[]>;
  /** Signalled when new events may be readable. */
  wakeup: Wakeup;
  /** How long to wait for a signal before reading anyway. */
  pollIntervalMs: number;
}

export const DEFAULT_BATCH_SIZE = 500;

/**
 * Reads in batches from a position and hands events over one at a time, awaiting each; when a read
 * comes back short it has caught up and waits for a signal or the poll interval. Any adapter that can
 * read its global log in order can use it.
 */
export const startCatchUpSubscription = (source: CatchUpSource, options: SubscriptionOptions): Subscription => new CatchUpSubscription(source, options);

class CatchUpSubscription implements Subscription {
  readonly done: Promise<void>;
  private stopping = false;

  constructor(
    private readonly source: CatchUpSource,
    private readonly options: SubscriptionOptions,
  ) {
    const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer`);
    this.done = this.run(batchSize);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.source.wakeup.notify();
    await this.done;
  }

  private async run(batchSize: number): Promise<void> {
    // Let the constructor return before the first read, so a synchronous throw never escapes `done`.
    await Promise.resolve();
    let after = this.options.after;
    let caughtUp = false;
    try {
      while (!this.stopping) {
        const generation = this.source.wakeup.generation;
        const batch = await this.source.read(after, batchSize);
        for (const event of batch) {
          if (this.stopping) return;
          await this.options.onEvent(event);
          after = event.position;
        }
        if (batch.length < batchSize && !this.stopping) {
          if (!caughtUp) {
            caughtUp = true;
            this.options.onCaughtUp?.();
          }
          await this.source.wakeup.wait(generation, this.source.pollIntervalMs);
          const linger = this.options.lingerMs ?? 0;
          if (linger > 0 && !this.stopping) await new Promise((resolve) => setTimeout(resolve, linger));
        }
      }
    } catch (error) {
      // A read cut short by stop() (e.g. the store closing) is not a failure.
      if (this.stopping) return;
      if (this.options.onError) this.options.onError(error);
      // Never silent: a subscription that died without an onError still leaves a trace in the logs.
      else process.emitWarning(`event store subscription stopped: ${String(error)}`);
    }
  }
}
