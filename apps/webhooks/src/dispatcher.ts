import type { Logger } from '@nestjs/common';
import { queueKey, type PendingDelivery, type WebhookEndpoint, type WebhookStore } from '@zan/webhooks';
import { attemptDelivery, type AttemptSettings } from './attempt';

/** How long past the send timeout a claimed delivery stays leased: time to record its answer. */
const LEASE_MARGIN_MS = 5_000;
/** A send that takes longer marks its endpoint slow (held to a share of the slots); half the timeout if that is less. */
const SLOW_SEND_MS = 1_000;

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
  /** When each queue's send in flight began (wall clock: how long a receiver takes, not the store's time). */
  private readonly sendingSince = new Map<string, number>();
  /** How long each endpoint's last send took, answered or not. */
  private readonly lastSendMs = new Map<string, number>();
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
   * The most one claim takes, and about the most a slow endpoint may hold. One that starts hanging
   * while it looked fast may hold all but a share until those sends time out; never all the slots.
   */
  private get share(): number {
    return Math.max(1, Math.floor(this.options.concurrency / 4));
  }

  /**
   * The most an endpoint that answers in time may hold: all but a share, kept for the others
   * (the usual integrator has one endpoint, and it gets three quarters of the slots, not one).
   */
  private get fastShare(): number {
    return Math.max(this.share, this.options.concurrency - this.share);
  }

  /** Past this, a send in flight (or the endpoint's last one) makes its endpoint slow. */
  private get slowMs(): number {
    return Math.min(SLOW_SEND_MS, this.options.timeoutMs / 2);
  }

  /**
   * Endpoints that may take no more deliveries in this claim: a slow one at its share; one that
   * answers in time once another claim (up to a share) could take it past all but a share.
   */
  private busyEndpoints(now: number): string[] {
    const perEndpoint = new Map<string, { count: number; slow: boolean }>();
    for (const key of this.inFlight.keys()) {
      const endpointId = key.slice(0, key.indexOf('\u0000'));
      const since = this.sendingSince.get(key);
      const entry = perEndpoint.get(endpointId) ?? { count: 0, slow: (this.lastSendMs.get(endpointId) ?? 0) > this.slowMs };
      entry.count++;
      if (since !== undefined && now - since > this.slowMs) entry.slow = true;
      perEndpoint.set(endpointId, entry);
    }
    return [...perEndpoint]
      .filter(([, { count, slow }]) => (slow ? count >= this.share : count + this.share > this.fastShare))
      .map(([endpointId]) => endpointId);
  }

  private async fill(): Promise<void> {
    const free = Math.min(this.share, this.options.concurrency - this.inFlight.size);
    if (free <= 0) return;
    const now = this.options.now();
    // Endpoints read beside each claim, not cached: a rotated secret signs from the next delivery on.
    const [claimed, all] = await Promise.all([
      this.store.claim(now, free, new Date(now.getTime() + this.options.timeoutMs + LEASE_MARGIN_MS), this.busyEndpoints(Date.now())),
      this.store.endpoints(),
    ]);
    const endpoints = new Map(all.map((e) => [e.id, e]));
    for (const endpointId of this.lastSendMs.keys()) if (!endpoints.has(endpointId)) this.lastSendMs.delete(endpointId);
    if (claimed.length === 0) return;
    // A full claim may have left more due: look again at once.
    if (claimed.length === free) this.pendingWake = true;
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
    const key = queueKey(delivery);
    try {
      const started = Date.now();
      this.sendingSince.set(key, started);
      const sent = attemptDelivery(endpoint, delivery, this.options, this.options.now);
      const { outcome, result } = await sent.finally(() => {
        this.sendingSince.delete(key);
        this.lastSendMs.set(endpoint.id, Date.now() - started);
      });
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
