import { Inject, Injectable, OnApplicationShutdown, Optional } from '@nestjs/common';
import { parsePosition } from '@zan/contracts';
import { CHECKPOINT_STORE, type CheckpointStore, EVENT_STORE, type EventStore, PROCESS_MANAGER_CHECKPOINTS } from '@zan/event-store';
import { ZAN_CONFIG, type ZanConfig } from '@zan/platform';
import { READ_MODEL_STORE, type ReadModelStore } from '@zan/read-models';
import { ProblemException, problem } from '../http/problem';
import { badRequest } from '../http/validation';
import { reactionKey } from '../process-managers/credit-reactions';
import { CreditsProcessManager } from '../process-managers/credits.process-manager';

/** A re-read of the projector's watermark while requests wait, in case a notification was lost (pub/sub is at most once). */
const SAFETY_READ_MS = 250;
/** A re-read of the credits watermark while requests wait: a standby learns it from the checkpoint the leader saves every 100 ms. */
const CREDITS_READ_MS = 100;

interface Waiter {
  position: bigint;
  done: () => void;
}

/**
 * Requests waiting for one watermark to reach their positions. The watermark is read again only
 * when told it moved (`reread`), by one read for all of them; while any waits, one safety read
 * every `safetyMs` covers a lost notification. No request polls on its own.
 */
class WatermarkWaiters {
  readonly waiters = new Set<Waiter>();
  private reading?: Promise<void>;
  private readAgain = false;
  private safety?: NodeJS.Timeout;

  constructor(
    private readonly read: () => Promise<bigint>,
    private readonly safetyMs: number,
    /** Called before the first wait, and before each wait after (it keeps one subscription). */
    private readonly subscribe: () => void,
  ) {}

  /** Resolves true once the watermark has reached `position`, false after `timeoutMs`. */
  async reach(position: bigint, timeoutMs: number): Promise<boolean> {
    if ((await this.read()) >= position) return true;
    if (timeoutMs <= 0) return false;
    this.subscribe();
    return new Promise<boolean>((resolve) => {
      const waiter: Waiter = {
        position,
        done: () => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve(true);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        resolve(false);
      }, timeoutMs);
      this.waiters.add(waiter);
      this.armSafetyRead();
      // The watermark may have moved between the first read and the registration.
      this.reread();
    });
  }

  /** One read of the watermark for every waiter; a call while one is in flight reads once more after it. */
  reread(): void {
    if (this.waiters.size === 0) return;
    if (this.reading) {
      this.readAgain = true;
      return;
    }
    this.reading = this.read()
      .then((mark) => {
        for (const waiter of this.waiters) if (waiter.position <= mark) waiter.done();
      })
      .catch(() => undefined) // the safety read tries again
      .finally(() => {
        this.reading = undefined;
        if (this.readAgain) {
          this.readAgain = false;
          this.reread();
        }
      });
  }

  stop(): void {
    clearTimeout(this.safety);
  }

  private armSafetyRead(): void {
    if (this.safety) return;
    this.safety = setTimeout(() => {
      this.safety = undefined;
      if (this.waiters.size === 0) return;
      this.reread();
      this.armSafetyRead();
    }, this.safetyMs);
    this.safety.unref();
  }
}

/**
 * `?after=<position>`: wait until the read models have applied every event up to that position
 * (the projector's watermark), up to ZAN_READ_WAIT_MS, else 503 with Retry-After. When the event at
 * the position is one the credits process manager reacts to (a transfer, a tip, a packet sent or
 * claimed), also wait for its reactions (the payee's credit, the escrow): until the credits
 * watermark has passed the position, every reaction to the events up to it is committed, all of
 * them at or before the newest committed position then (not the head a reader sees: on SQL that
 * stops short of a transaction still in flight), so the wait goes on until the read models have
 * applied that position. A position whose event needs no reaction waits for nothing more than the projector.
 *
 * One set of waiters per watermark and per process: the projector's is read again only when the
 * store says it moved (Redis pub/sub from the projector's writes; in memory, a callback); the
 * credits watermark when the process manager here moves it (the leader), else from its checkpoint
 * every 100 ms (a standby), and only while someone waits.
 */
@Injectable()
export class ReadYourWrites implements OnApplicationShutdown {
  private readonly projector: WatermarkWaiters;
  private readonly credits?: WatermarkWaiters;
  private subscription?: Promise<(() => Promise<void>) | undefined>;
  private stopHandled?: () => void;

  constructor(
    @Inject(READ_MODEL_STORE) private readonly store: ReadModelStore,
    @Inject(ZAN_CONFIG) private readonly config: ZanConfig,
    @Optional() @Inject(EVENT_STORE) private readonly events?: EventStore,
    @Optional() @Inject(CHECKPOINT_STORE) private readonly checkpoints?: CheckpointStore,
    @Optional() private readonly reactions?: CreditsProcessManager,
  ) {
    // The subscription is kept (awaited at shutdown) and catches its own failure: not awaited here.
    this.projector = new WatermarkWaiters(
      () => this.store.watermark(),
      SAFETY_READ_MS,
      () => {
        this.subscription ??= this.subscribe();
      },
    );
    if (events && checkpoints && reactions) {
      this.credits = new WatermarkWaiters(
        () => this.creditsWatermark(),
        CREDITS_READ_MS,
        () => {
          this.stopHandled ??= reactions.onHandled(() => this.credits?.reread());
        },
      );
    }
  }

  async waitFor(after: unknown): Promise<void> {
    if (!this.layoutChecked) await this.refuseZanV1ReadModels();
    if (after === undefined) return;
    const position = parsePosition(after);
    if (position === undefined) throw badRequest('after', 'must be a position: a decimal string of digits');
    const deadline = Date.now() + this.config.readWaitMs;
    if (!(await this.projector.reach(position, deadline - Date.now()))) throw behind(position);
    if (!this.credits || position === 0n || !(await this.awaitsReaction(position))) return;
    if (!(await this.credits.reach(position, deadline - Date.now()))) throw behind(position, ' with the credits that follow it');
    // Every reaction is committed now, but maybe behind a transaction still in flight that
    // headPosition() would stop short of: wait for the newest committed position instead.
    const head = (await (this.events!.latestPosition?.() ?? this.events!.headPosition())) ?? position;
    if (head > position && !(await this.projector.reach(head, deadline - Date.now()))) throw behind(position, ' with the credits that follow it');
  }

  private layoutChecked = false;
  /** One question at a time, whatever the number of requests asking. */
  private layoutQuestion?: Promise<boolean>;

  /**
   * Right after an upgrade from v1 the read models are v1's, which this api cannot read: until `zan
   * projections rebuild` every query answers 503 (retry), not "wallet not found" or zero earnings.
   * Asked until the store answers no once (a rebuild or the projector has written this layout).
   */
  private async refuseZanV1ReadModels(): Promise<void> {
    const ask = this.store.holdsOnlyZanV1?.bind(this.store);
    this.layoutQuestion ??= (ask ? ask() : Promise.resolve(false)).finally(() => (this.layoutQuestion = undefined));
    if (!(await this.layoutQuestion)) {
      this.layoutChecked = true;
      return;
    }
    throw new ProblemException(
      problem(
        503,
        'read-model-behind',
        'Read model not caught up',
        'the read models are still those of Zan v1, which this version cannot read; retry once they are rebuilt (zan projections rebuild)',
      ),
      { 'Retry-After': '5' },
    );
  }

  async onApplicationShutdown(): Promise<void> {
    this.projector.stop();
    this.credits?.stop();
    this.stopHandled?.();
    const unsubscribe = await this.subscription;
    await unsubscribe?.();
  }

  /** Without a subscription (none yet, or Redis refused it) the safety read serves; the next wait tries again. */
  private subscribe(): Promise<(() => Promise<void>) | undefined> {
    if (!this.store.onWatermarkMoved) return Promise.resolve(undefined);
    return this.store
      .onWatermarkMoved(() => this.projector.reread())
      .catch(() => {
        this.subscription = undefined;
        return undefined;
      });
  }

  /**
   * Whether the event at `position` has reactions (one indexed read; the projector has applied it,
   * so it is stored). A store that cannot read at an arbitrary position (EventStoreDB refuses one
   * inside a record) answers as if it had: the wait then covers the reactions anyway.
   */
  private async awaitsReaction(position: bigint): Promise<boolean> {
    try {
      const [event] = await this.events!.readAll({ after: position - 1n, maxCount: 1 });
      return event !== undefined && event.position === position && reactionKey(event) !== undefined;
    } catch {
      return true;
    }
  }

  /** In memory on the leader; a standby reads the checkpoint the leader saves. */
  private async creditsWatermark(): Promise<bigint> {
    if (this.reactions!.leading) return this.reactions!.handledThrough;
    return (await this.checkpoints!.load(PROCESS_MANAGER_CHECKPOINTS.credits)) ?? 0n;
  }
}

const behind = (position: bigint, what = ''): ProblemException =>
  new ProblemException(
    problem(503, 'read-model-behind', 'Read model not caught up', `the read models have not applied position ${position}${what} yet; retry shortly`),
    { 'Retry-After': '1' },
  );
