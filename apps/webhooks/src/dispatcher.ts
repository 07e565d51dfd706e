import type { Logger } from '@nestjs/common';
import { queueKey, type PendingDelivery, type WebhookEndpoint, type WebhookStore } from '@zan/webhooks';
import { attemptDelivery, type AttemptSettings } from './attempt';

/** How long past the send timeout a claimed delivery stays leased: time to record its answer. */
const LEASE_MARGIN_MS = 5_000;

export interface DispatcherOptions extends AttemptSettings {
  /** Deliveries in flight at once. */
  concurrency: number;
  /** Longest wait between two looks at the queue when nothing wakes the dispatcher. */
  pollMs: number;
  now: () => Date;
  onOutcome?: (endpointId: string, outcome: 'delivered' | 'retrying' | 'failed' | 'refused') => void;
  onDisabled?: (endpoint: WebhookEndpoint, reason: string) => void;
}

/**
 * Sends what the queue holds. Each (endpoint, stream) queue has at most one delivery in flight, its
 * lowest position, so a stream's events reach an endpoint in order and a slow stream holds up no
 * other. A delivery is claimed with a lease kept in the store and marked done only after its
 * answer: a crash sends it again once the lease has run out (the send timeout and a margin).
 */
export class Dispatcher {
  private readonly inFlight = new Map<string, Promise<void>>();
  /** The event id of each queue's last delivery taken into inFlight. */
  private readonly sending = new Map<string, string>();
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private pendingWake = false;

  constructor(
    private readonly store: WebhookStore,
    private readonly options: DispatcherOptions,
    private readonly logger: Logger,
  ) {}

  get active(): boolean {
    return this.running;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops taking deliveries and waits for those in flight (each bounded by the timeout). */
  async stop(): Promise<void> {
    this.running = false;
    this.poke();
    await this.loop;
    await Promise.allSettled([...this.inFlight.values()]);
  }

  /** Something was queued or finished: look at the queue now rather than at the next poll. */
  poke(): void {
    this.pendingWake = true;
    this.wake?.();
  }

  private async run(): Promise<void> {
    while (this.running) {
      this.pendingWake = false;
      try {
        await this.fill();
      } catch (error) {
        this.logger.warn(`reading the webhook queue failed: ${String(error)}`);
      }
      if (!this.running || this.pendingWake) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.options.pollMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  /**
   * The most slots one endpoint may hold, and the most one claim takes: an endpoint whose receiver
   * hangs fills at most about half the slots until its timeouts, never all of them.
   */
  private get share(): number {
    return Math.max(1, Math.floor(this.options.concurrency / 4));
  }

  /** Endpoints with their share in flight: their heads wait for a later claim. */
  private busyEndpoints(): string[] {
    const perEndpoint = new Map<string, number>();
    for (const key of this.inFlight.keys()) {
      const endpointId = key.slice(0, key.indexOf('\u0000'));
      perEndpoint.set(endpointId, (perEndpoint.get(endpointId) ?? 0) + 1);
    }
    return [...perEndpoint].filter(([, n]) => n >= this.share).map(([endpointId]) => endpointId);
  }

  private async fill(): Promise<void> {
    const free = Math.min(this.share, this.options.concurrency - this.inFlight.size);
    if (free <= 0) return;
    const now = this.options.now();
    // Endpoints read beside each claim, not cached: a rotated secret signs from the next delivery on.
    const [claimed, all] = await Promise.all([
      this.store.claim(now, free, new Date(now.getTime() + this.options.timeoutMs + LEASE_MARGIN_MS), this.busyEndpoints()),
      this.store.endpoints(),
    ]);
    if (claimed.length === 0) return;
    // A full claim may have left more due: look again at once.
    if (claimed.length === free) this.pendingWake = true;
    const endpoints = new Map(all.map((e) => [e.id, e]));
    for (const delivery of claimed) {
      const endpoint = endpoints.get(delivery.endpointId);
      const key = queueKey(delivery);
      // Gone or disabled since the claim: its lease runs out and the store decides again then.
      if (!endpoint || endpoint.status !== 'enabled') continue;
      // The store answers a queue's next delivery once the one before is recorded, which can be
      // before that one's work here has ended (the claim's answer overtook the record's). It goes
      // right after it, in order; dropped, it would wait out its whole lease (the send timeout and
      // a margin) with its stream's later deliveries queued behind it. The very delivery still in
      // flight, claimed again after its lease ran out, is not sent twice.
      if (this.sending.get(key) === delivery.eventId) continue;
      const before = this.inFlight.get(key);
      this.sending.set(key, delivery.eventId);
      const work = (before ?? Promise.resolve())
        .then(() => this.deliver(endpoint, delivery))
        .finally(() => {
          if (this.inFlight.get(key) === work) {
            this.inFlight.delete(key);
            this.sending.delete(key);
          }
          this.poke();
        });
      this.inFlight.set(key, work);
    }
  }

  private async deliver(endpoint: WebhookEndpoint, delivery: PendingDelivery): Promise<void> {
    const log = { eventId: delivery.eventId, eventType: delivery.eventType, endpointId: endpoint.id, streamId: delivery.streamId };
    try {
      const { outcome, result } = await attemptDelivery(endpoint, delivery, this.options, this.options.now);
      const { disabled } = await this.store.record(outcome);
      const { attempt } = outcome;
      this.options.onOutcome?.(endpoint.id, attempt.status);
      const answer = result.kind === 'answered' ? `HTTP ${result.status}` : result.error;
      if (attempt.status === 'delivered') this.logger.debug({ msg: 'webhook delivered', ...log, attempt: attempt.attempt });
      else
        this.logger.warn({
          msg: `webhook ${attempt.status === 'failed' ? 'given up' : 'not delivered'} (attempt ${attempt.attempt}): ${answer}`,
          ...log,
          attempt: attempt.attempt,
          ...(outcome.retryAt && { retryAt: outcome.retryAt.toISOString() }),
        });
      if (disabled) {
        const reason = `every delivery failed for ${Math.round(this.options.retry.disableAfterMs / 1000)} s`;
        this.logger.warn({ msg: `webhook endpoint ${endpoint.id} disabled: ${reason}`, endpointId: endpoint.id, url: endpoint.url });
        this.options.onDisabled?.(endpoint, reason);
      }
    } catch (error) {
      // Not recorded: it stays due and goes again, after a pause so a failing store is not hammered.
      this.logger.warn({ msg: `webhook attempt not recorded, will be sent again: ${String(error)}`, ...log });
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}
