import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { parsePosition } from '@zan/contracts';
import { ZAN_CONFIG, type ZanConfig } from '@zan/platform';
import { READ_MODEL_STORE, type ReadModelStore } from '@zan/read-models';
import { ProblemException, problem } from '../http/problem';
import { badRequest } from '../http/validation';

/** A re-read while requests wait, in case a notification was lost (pub/sub is at most once). */
const SAFETY_READ_MS = 250;

interface Waiter {
  position: bigint;
  done: () => void;
}

/**
 * `?after=<position>`: wait until the read models have applied every event up to that position
 * (the projector's watermark), up to ZAN_READ_WAIT_MS, else 503 with Retry-After.
 *
 * One waiter per process: requests register here, and the watermark is read again only when the
 * store says it moved (Redis pub/sub from the projector's writes; in memory, a callback), by one
 * read for all of them. No request polls; while any waits, one safety read every 250 ms covers a
 * lost notification.
 */
@Injectable()
export class ReadYourWrites implements OnApplicationShutdown {
  private readonly waiters = new Set<Waiter>();
  private subscription?: Promise<(() => Promise<void>) | undefined>;
  private reading?: Promise<void>;
  private readAgain = false;
  private safety?: NodeJS.Timeout;

  constructor(
    @Inject(READ_MODEL_STORE) private readonly store: ReadModelStore,
    @Inject(ZAN_CONFIG) private readonly config: ZanConfig,
  ) {}

  async waitFor(after: unknown): Promise<void> {
    if (after === undefined) return;
    const position = parsePosition(after);
    if (position === undefined) throw badRequest('after', 'must be a position: a decimal string of digits');
    if ((await this.store.watermark()) >= position) return;
    this.subscription ??= this.subscribe();
    await new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        position,
        done: () => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(
          new ProblemException(
            problem(503, 'read-model-behind', 'Read model not caught up', `the read models have not applied position ${position} yet; retry shortly`),
            { 'Retry-After': '1' },
          ),
        );
      }, this.config.readWaitMs);
      this.waiters.add(waiter);
      this.armSafetyRead();
      // The watermark may have moved between the first read and the registration.
      this.reread();
    });
  }

  async onApplicationShutdown(): Promise<void> {
    clearTimeout(this.safety);
    const unsubscribe = await this.subscription;
    await unsubscribe?.();
  }

  /** Without a subscription (none yet, or Redis refused it) the safety read serves; the next wait tries again. */
  private subscribe(): Promise<(() => Promise<void>) | undefined> {
    if (!this.store.onWatermarkMoved) return Promise.resolve(undefined);
    return this.store.onWatermarkMoved(() => this.reread()).catch(() => {
      this.subscription = undefined;
      return undefined;
    });
  }

  /** One read of the watermark for every waiter; a call while one is in flight reads once more after it. */
  private reread(): void {
    if (this.waiters.size === 0) return;
    if (this.reading) {
      this.readAgain = true;
      return;
    }
    this.reading = this.store
      .watermark()
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

  private armSafetyRead(): void {
    if (this.safety) return;
    this.safety = setTimeout(() => {
      this.safety = undefined;
      if (this.waiters.size === 0) return;
      this.reread();
      this.armSafetyRead();
    }, SAFETY_READ_MS);
    this.safety.unref();
  }
}
