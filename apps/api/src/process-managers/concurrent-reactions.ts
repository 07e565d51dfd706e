import type { StoredEvent } from '@zan/contracts';

export interface ConcurrentReactionsOptions {
  /** The reaction to one event; it must be idempotent (it may run again after a failure or a crash). */
  react: (event: StoredEvent) => Promise<void>;
  /**
   * Reactions with the same key run one after another in the events' order; different keys run
   * concurrently. Undefined: the event needs no reaction.
   */
  keyOf: (event: StoredEvent) => string | undefined;
  /** Reactions in flight at once (default 64). */
  maxInFlight?: number;
  /**
   * Told as soon as a reaction fails, so the subscription can restart even when no next event
   * comes to `offer` (which would throw the failure): a quiet log must not leave a credit undone.
   */
  onFailure?: (error: unknown) => void;
  /**
   * A failure no retry here can mend (an event this Zan does not know: only a newer one can tell its
   * reaction; a wallet whose stored history is corrupt): the reaction is left undone, so the watermark waits before its event for good, and the
   * other reactions go on instead of stopping behind it at every restart.
   */
  leavesUndone?: (error: unknown) => boolean;
  /** Told of each reaction left undone (its event offered again after a restart is told again). */
  onLeftUndone?: (event: StoredEvent, error: unknown) => void;
  /** Called when the watermark moves (read-your-writes waits on it). */
  onAdvance?: (watermark: bigint) => void;
}

/** Thrown in place of a reaction that never started because another one had failed. */
const SKIPPED = new Error('skipped after a failure');

/**
 * Runs a process manager's reactions concurrently while it still reads the log in order: the
 * subscription hands events over one at a time (`offer`), each reaction starts behind the earlier
 * ones of its key, and the checkpoint only ever moves to the `watermark`: the position up to which
 * every reaction has finished. A crash or a failure therefore resumes from a position whose
 * reactions are all done, and redoes (idempotently) whatever ran past it.
 *
 * A failed reaction is reported by the next `offer`, which throws it so the subscription stops;
 * `settle` then waits for the reactions still running and answers where to resume.
 */
export class ConcurrentReactions {
  private readonly maxInFlight: number;
  /** Offered events in log order, with whether their reaction has finished. */
  private readonly pending: { position: bigint; done: boolean }[] = [];
  private readonly tails = new Map<string, Promise<void>>();
  private readonly running = new Set<Promise<void>>();
  private failure: { error: unknown } | undefined;
  /**
   * A reaction was left undone: the watermark stops before it until settle, so the events offered
   * after it are not kept in `pending` (a stall of hours would otherwise keep every one of them).
   */
  private leftUndone = false;
  private mark: bigint | undefined;

  constructor(
    private readonly options: ConcurrentReactionsOptions,
    after?: bigint,
  ) {
    this.maxInFlight = options.maxInFlight ?? 64;
    this.mark = after;
  }

  /** Every offered event up to here has had its reaction (undefined: none yet, from the start). */
  get watermark(): bigint | undefined {
    return this.mark;
  }

  /** Reactions running now. */
  get inFlight(): number {
    return this.running.size;
  }

  /** Takes the next event of the log; resolves once its reaction has started (or was not needed). */
  async offer(event: StoredEvent): Promise<void> {
    this.throwIfFailed();
    const key = this.options.keyOf(event);
    const entry = { position: event.position, done: key === undefined };
    if (!this.leftUndone) this.pending.push(entry);
    if (key === undefined) return this.advance();
    while (this.running.size >= this.maxInFlight) {
      await Promise.race(this.running);
      this.throwIfFailed();
    }
    const run = (this.tails.get(key) ?? Promise.resolve())
      .then(() => {
        // After a failure nothing new starts; a reaction that did not run is not done, so the
        // watermark stays before it and the restart delivers it again.
        if (this.failure) throw SKIPPED;
        return this.options.react(event);
      })
      .then(
        () => {
          entry.done = true;
          this.advance();
        },
        (error: unknown) => {
          if (error === SKIPPED || this.failure) return;
          if (this.options.leavesUndone?.(error)) {
            this.leftUndone = true;
            return this.options.onLeftUndone?.(event, error);
          }
          this.failure = { error };
          this.options.onFailure?.(error);
        },
      );
    this.tails.set(key, run);
    this.running.add(run);
    void run.then(() => {
      this.running.delete(run);
      if (this.tails.get(key) === run) this.tails.delete(key);
    });
  }

  /**
   * Waits for every reaction in flight, forgets what was offered past the watermark and any failure,
   * and answers the watermark: where to read from again.
   */
  async settle(): Promise<bigint | undefined> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
    this.pending.length = 0;
    this.tails.clear();
    this.failure = undefined;
    this.leftUndone = false;
    return this.mark;
  }

  private advance(): void {
    const before = this.mark;
    while (this.pending.length > 0 && this.pending[0]!.done) this.mark = this.pending.shift()!.position;
    if (this.mark !== before && this.mark !== undefined) this.options.onAdvance?.(this.mark);
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }
}
