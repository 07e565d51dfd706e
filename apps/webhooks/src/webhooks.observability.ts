import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { CLOCK, type Clock, ReadinessChecks, ZanMetrics } from '@zan/platform';
import { WebhooksService } from './webhooks.service';

/** Deliveries by endpoint and outcome, the backlog and its oldest event's age, and readiness. */
@Injectable()
export class WebhooksObservability implements OnModuleInit {
  private cached?: { at: number; backlog: ReturnType<WebhooksService['store']['backlog']> };

  constructor(
    private readonly webhooks: WebhooksService,
    private readonly metrics: ZanMetrics,
    private readonly checks: ReadinessChecks,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** One read of the queue per scrape, shared by the gauges. */
  private backlog(): ReturnType<WebhooksService['store']['backlog']> {
    if (!this.cached || Date.now() - this.cached.at > 500) this.cached = { at: Date.now(), backlog: this.webhooks.store.backlog() };
    return this.cached.backlog;
  }

  onModuleInit(): void {
    const { webhooks, metrics } = this;
    metrics.counter(
      'zan_webhook_deliveries_total',
      'Webhook attempts by endpoint and outcome (delivered, retrying, failed: given up, refused: address not allowed)',
      ['endpoint', 'outcome'],
      (metric) => {
        metric.reset();
        for (const [key, count] of webhooks.outcomes) {
          const [endpoint, outcome] = key.split('\u0000');
          metric.inc({ endpoint, outcome }, count);
        }
      },
    );
    metrics.counterOf('zan_webhook_deliveries_queued_total', 'Deliveries queued (an event for a subscribed endpoint)', () => webhooks.queued);
    metrics.counterOf('zan_webhook_messages_undecodable_total', 'Messages on the topics that are no Zan CloudEvent, skipped', () => webhooks.undecodable);
    metrics.counterOf(
      'zan_webhook_events_refused_total',
      'Events for a subscribed endpoint that the event store does not hold as they came (forged or altered), never sent',
      () => webhooks.refused,
    );
    metrics.counterOf('zan_webhook_endpoints_disabled_total', 'Endpoints disabled for failing every delivery', () => webhooks.disabledEndpoints);
    metrics.gauge('zan_webhook_pending_deliveries', 'Deliveries queued and not yet delivered or given up', async () => (await this.backlog()).pending);
    metrics.gauge('zan_webhook_oldest_undelivered_seconds', 'Age of the oldest event queued and not yet delivered; 0 when none', async () => {
      const oldest = (await this.backlog()).oldestOccurredAt;
      // By the shared clock (SharedClock), the one that stamped the event: a replica's skew is no age.
      return oldest ? Math.max(0, (this.clock.now().getTime() - Date.parse(oldest)) / 1000) : 0;
    });
    metrics.gauge('zan_webhooks_leader', 'Whether this instance sends webhooks (1) or stands by (0)', () => Number(webhooks.leading));
    this.checks.add('webhooks', async () => {
      const backlog = await this.backlog();
      return { role: webhooks.leading ? 'leader' : 'standby', group: webhooks.groupId, pending: backlog.pending };
    });
  }
}
