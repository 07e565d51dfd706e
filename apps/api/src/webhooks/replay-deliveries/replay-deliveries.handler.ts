import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { EVENT_STORE, type EventStore } from '@zan/event-store';
import { CLOCK, type Clock } from '@zan/platform';
import { replayRange, type WebhookEndpoint, type WebhookStore } from '@zan/webhooks';

/**
 * Queues an endpoint's events of a position range again, after the 202, page by page. A restart in
 * the middle leaves the rest unqueued (logged); asking again is harmless.
 */
@Injectable()
export class ReplayDeliveriesHandler implements OnApplicationShutdown {
  private readonly logger = new Logger('webhooks');
  private readonly running = new Set<Promise<void>>();
  private stopping = false;

  constructor(
    @Inject(EVENT_STORE) private readonly events: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  start(store: WebhookStore, endpoint: WebhookEndpoint, after: bigint, until: bigint): void {
    const range = `(${after}, ${until}]`;
    const work = replayRange(
      this.events,
      store,
      endpoint,
      after,
      until,
      () => this.stopping,
      () => this.clock.now(),
    )
      .then((queued) => this.logger.log({ msg: `replay of ${endpoint.id} ${range}: ${queued} deliveries queued`, endpointId: endpoint.id }))
      .catch((error) => this.logger.error({ msg: `replay of ${endpoint.id} ${range} stopped: ${String(error)}`, endpointId: endpoint.id }))
      .finally(() => this.running.delete(work));
    this.running.add(work);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await Promise.allSettled([...this.running]);
  }
}
