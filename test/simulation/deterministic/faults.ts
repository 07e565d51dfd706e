import type { NewEvent, StoredEvent } from '@zan/contracts';
import {
  startCatchUpSubscription,
  Wakeup,
  type AppendResult,
  type CheckpointStore,
  type EventStore,
  type AppendOptions,
  type ExpectedRevision,
  type MemoryEventStore,
  type ReadAllOptions,
  type ReadStreamOptions,
  type Subscription,
  type SubscriptionOptions,
} from '@zan/event-store';
import type { DueTimer, TimerCause, TimerStore } from '@zan/stores';

/** Per I/O call, the chance of each fault. */
export interface FaultRates {
  /** Fails before taking effect (refused connection). */
  failBefore: number;
  /** Takes effect, then the answer is lost (a dropped connection after COMMIT). */
  failAfter: number;
  /** Answers late: 0.1 to 3 s. */
  stall: number;
  /** The process dies at this call, before or after its effect. */
  crash: number;
}

export const NO_FAULTS: FaultRates = { failBefore: 0, failAfter: 0, stall: 0, crash: 0 };

/** What a simulated connection drop looks like to the code under test. */
export class SimulatedIoError extends Error {
  override readonly name = 'SimulatedIoError';
}

export type Fate = 'ok' | 'fail-before' | 'fail-after' | 'stall' | 'crash-before' | 'crash-after';

export interface FaultCounts {
  calls: number;
  failBefore: number;
  failAfter: number;
  stalls: number;
  crashes: number;
}

/**
 * The I/O of one incarnation of the simulated process. Every call reaches the durable stores after
 * a short seeded delay (so concurrent calls land in a seeded order) and answers after another, and
 * may fail, stall or kill the process. Once dead, nothing of this incarnation ever completes again.
 */
export class ProcessIo {
  dead = false;
  rates: FaultRates;
  /** A fate decided by what the call is (a crash aimed at one step), before the seeded draw. */
  aimed?: (what: string) => Fate | undefined;

  constructor(
    rates: FaultRates,
    private readonly random: () => number,
    private readonly counts: FaultCounts,
    private readonly trace: (line: string) => void,
    private readonly onCrash: () => void,
  ) {
    this.rates = rates;
  }

  call<T>(what: string, effect: () => Promise<T>): Promise<T> {
    if (this.dead) return new Promise<T>(() => undefined);
    const fate = this.aimed?.(what) ?? this.fate();
    this.counts.calls += 1;
    if (fate === 'fail-before') this.counts.failBefore += 1;
    if (fate === 'fail-after') this.counts.failAfter += 1;
    if (fate === 'stall') this.counts.stalls += 1;
    if (fate !== 'ok') this.trace(`${fate} ${what}`);
    const reach = Math.floor(this.random() * 3);
    const answer = fate === 'stall' ? 100 + Math.floor(this.random() * 2900) : Math.floor(this.random() * 3);
    return new Promise<T>((resolve, reject) => {
      const later = (settle: () => void) =>
        setTimeout(() => {
          if (!this.dead) settle();
        }, answer);
      setTimeout(() => {
        if (this.dead) return;
        if (fate === 'crash-before') return this.kill(`crash at ${what}`);
        if (fate === 'fail-before') return later(() => reject(new SimulatedIoError(`connection refused: ${what}`)));
        effect().then(
          (result) => {
            if (fate === 'crash-after') return this.kill(`crash after ${what}`);
            later(() => (fate === 'fail-after' ? reject(new SimulatedIoError(`connection lost after ${what}`)) : resolve(result)));
          },
          (error: unknown) => later(() => reject(error)),
        );
      }, reach);
    });
  }

  private fate(): Fate {
    const { failBefore, failAfter, stall, crash } = this.rates;
    let r = this.random();
    if ((r -= crash) < 0) return this.random() < 0.5 ? 'crash-before' : 'crash-after';
    if ((r -= failBefore) < 0) return 'fail-before';
    if ((r -= failAfter) < 0) return 'fail-after';
    if ((r -= stall) < 0) return 'stall';
    return 'ok';
  }

  /** The process dies here: no shutdown, nothing flushed; whatever it had in flight never answers. */
  kill(why: string): void {
    if (this.dead) return;
    this.dead = true;
    this.counts.crashes += 1;
    this.trace(`PROCESS DIED: ${why}`);
    this.onCrash();
  }
}

/** The event store as the simulated process reaches it: every call through ProcessIo. */
export class FaultyEventStore implements EventStore {
  private readonly wakeup = new Wakeup();
  private readonly unlisten: () => void;

  constructor(
    private readonly store: MemoryEventStore,
    private readonly io: ProcessIo,
  ) {
    this.unlisten = store.onAppended(() => this.wakeup.notify());
  }

  append(streamId: string, events: NewEvent[], expected: ExpectedRevision, options?: AppendOptions): Promise<AppendResult> {
    return this.io.call(`append ${streamId} (${events.map((e) => e.type).join(',')})`, () => this.store.append(streamId, events, expected, options));
  }

  readStream(streamId: string, options?: ReadStreamOptions): Promise<StoredEvent[]> {
    return this.io.call(`readStream ${streamId}`, () => this.store.readStream(streamId, options));
  }

  readAll(options?: ReadAllOptions): Promise<StoredEvent[]> {
    return this.io.call(`readAll after ${String(options?.after)}`, () => this.store.readAll(options));
  }

  subscribeToAll(options: SubscriptionOptions): Subscription {
    return startCatchUpSubscription({ read: (after, maxCount) => this.readAll({ after, maxCount }), wakeup: this.wakeup, pollIntervalMs: 250 }, options);
  }

  headPosition(): Promise<bigint | undefined> {
    return this.io.call('headPosition', () => this.store.headPosition());
  }

  /** The process is gone: stop listening to the store. */
  async close(): Promise<void> {
    this.unlisten();
  }
}

export class FaultyCheckpointStore implements CheckpointStore {
  constructor(
    private readonly checkpoints: CheckpointStore,
    private readonly io: ProcessIo,
    /** Called as a save takes effect: the place to check that the position passes no unfinished work. */
    private readonly onSave: (name: string, position: bigint) => Promise<void>,
  ) {}

  load(name: string): Promise<bigint | undefined> {
    return this.io.call(`load checkpoint ${name}`, () => this.checkpoints.load(name));
  }

  save(name: string, position: bigint): Promise<void> {
    return this.io.call(`save checkpoint ${name} ${position}`, async () => {
      await this.onSave(name, position);
      await this.checkpoints.save(name, position);
    });
  }

  delete(name: string): Promise<void> {
    return this.io.call(`delete checkpoint ${name}`, () => this.checkpoints.delete(name));
  }
}

export class FaultyTimerStore implements TimerStore {
  constructor(
    private readonly timers: TimerStore,
    private readonly io: ProcessIo,
  ) {}

  schedule(id: string, dueAt: Date, cause?: TimerCause): Promise<void> {
    return this.io.call(`schedule ${id}`, () => this.timers.schedule(id, dueAt, cause));
  }

  cancel(id: string): Promise<void> {
    return this.io.call(`cancel ${id}`, () => this.timers.cancel(id));
  }

  due(now: Date, limit: number): Promise<DueTimer[]> {
    return this.io.call('due timers', () => this.timers.due(now, limit));
  }
}
