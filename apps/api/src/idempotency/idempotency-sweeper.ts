import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { CLOCK, type Clock, ZAN_CONFIG, type ZanConfig } from '@zan/platform';
import { IDEMPOTENCY_STORE, type IdempotencyStore } from '@zan/stores';

export const IDEMPOTENCY_SWEEP_OPTIONS = Symbol('IDEMPOTENCY_SWEEP_OPTIONS');

export interface IdempotencySweepOptions {
  /** How often the records past the retention are deleted. */
  everyMs: number;
}

/**
 * Deletes idempotency records older than the retention (ZAN_IDEMPOTENCY_TTL_HOURS), so the SQL table
 * stays bounded like Redis's self-expiring records. Every api replica sweeps: a sweep is a delete of
 * rows past a cutoff, so two at once delete the same rows or none, and a missed sweep only delays.
 */
@Injectable()
export class IdempotencySweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(IdempotencySweeper.name);
  private timer?: NodeJS.Timeout;
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    @Inject(IDEMPOTENCY_STORE) private readonly store: IdempotencyStore,
    @Inject(ZAN_CONFIG) private readonly config: ZanConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(IDEMPOTENCY_SWEEP_OPTIONS) private readonly options: IdempotencySweepOptions,
  ) {}

  onApplicationBootstrap(): void {
    // Replicas started together spread their sweeps over the period.
    this.arm(Math.random() * this.options.everyMs);
  }

  async onApplicationShutdown(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Deletes what is past the retention now; returns how many records. Also called by tests. */
  async sweep(): Promise<number> {
    const cutoff = new Date(this.clock.now().getTime() - this.config.idempotencyTtlHours * 3_600_000);
    const deleted = await this.store.expire(cutoff);
    if (deleted > 0) this.logger.log(`expired ${deleted} idempotency records begun before ${cutoff.toISOString()}`);
    return deleted;
  }

  private arm(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.running = this.sweep()
        .catch((error: unknown) => this.logger.warn(`idempotency sweep failed (retried next period): ${String(error)}`))
        .finally(() => this.timer && this.arm(this.options.everyMs));
    }, delayMs);
    this.timer.unref();
  }
}
