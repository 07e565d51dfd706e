import { Injectable, type OnModuleInit } from '@nestjs/common';
import { ReadinessChecks, ZanMetrics } from '@zan/platform';
import { LAG_COUNT_LIMIT, RelayService } from './relay.service';

/** The relay's metrics and readiness: events published, and how far the relay is behind the store. */
@Injectable()
export class RelayObservability implements OnModuleInit {
  constructor(
    private readonly relay: RelayService,
    private readonly metrics: ZanMetrics,
    private readonly checks: ReadinessChecks,
  ) {}

  private cached?: { at: number; lag: ReturnType<RelayService['lag']> };

  /** One read of the store per scrape, shared by the gauges below. */
  private lag(): ReturnType<RelayService['lag']> {
    if (!this.cached || Date.now() - this.cached.at > 500) this.cached = { at: Date.now(), lag: this.relay.lag() };
    return this.cached.lag;
  }

  onModuleInit(): void {
    const { relay, metrics } = this;
    metrics.counterOf('zan_relay_events_published_total', 'Events the relay published and the bus acknowledged', () => relay.published);
    metrics.gauge('zan_relay_checkpoint_position', 'Global position of the last event published (the relay checkpoint)', () => Number(relay.publishedThrough));
    metrics.gauge('zan_relay_head_position', 'Global position of the last event in the event store', async () => Number((await this.lag()).head));
    metrics.gauge('zan_relay_lag_positions', 'Global positions between the head of the event store and the last event published', async () =>
      Number((await this.lag()).positions),
    );
    metrics.gauge('zan_relay_lag_events', `Events stored but not yet published (counted up to ${LAG_COUNT_LIMIT})`, async () => (await this.lag()).events);
    metrics.gauge(
      'zan_relay_refusing',
      'The relay refuses to publish (1) because a topic has other partitions than its history was published with (docs/operations.md); else 0',
      () => (relay.refusal ? 1 : 0),
    );
    this.checks.add('relay', async () => {
      // Down until an operator acts: a standby that could not start as leader says so too.
      if (relay.refusal) throw relay.refusal;
      // A standby is healthy: it publishes nothing until it is elected.
      if (!relay.leading) return { role: 'standby' };
      const lag = await relay.lag();
      return { role: 'leader', lagEvents: lag.events, publishedThrough: relay.publishedThrough.toString(), head: lag.head.toString() };
    });
  }
}
