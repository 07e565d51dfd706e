import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { EVENT_STORE, type EventStore } from '@zan/event-store';
import { structuredCloudEvent } from '@zan/messaging';
import type { WebhookEndpoint, WebhookStore } from '@zan/webhooks';

const PAGE = 500;

/**
 * Queues an endpoint's events of a position range again (as new: delivered ones go again, with the
 * same webhook-id). Runs after the 202, page by page; a restart in the middle leaves the rest
 * unqueued, and asking again is harmless.
 */
@Injectable()
export class ReplayDeliveriesHandler implements OnApplicationShutdown {
  private readonly logger = new Logger('webhooks');
  private readonly running = new Set<Promise<void>>();
  private stopping = false;

  constructor(@Inject(EVENT_STORE) private readonly events: EventStore) {}

  start(store: WebhookStore, endpoint: WebhookEndpoint, after: bigint, until: bigint): void {
    const work = this.replay(store, endpoint, after, until)
      .catch((error) => this.logger.error({ msg: `replay of ${endpoint.id} (${after}, ${until}] stopped: ${String(error)}`, endpointId: endpoint.id }))
      .finally(() => this.running.delete(work));
    this.running.add(work);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await Promise.allSettled([...this.running]);
  }

  private async replay(store: WebhookStore, endpoint: WebhookEndpoint, after: bigint, until: bigint): Promise<void> {
    let cursor = after;
    let queued = 0;
    while (cursor < until && !this.stopping) {
      const page = await this.events.readAll({ after: cursor, maxCount: PAGE });
      if (page.length === 0) break;
      const wanted = page.filter((e) => e.position <= until && endpoint.events.includes(e.type));
      await store.requeue(
        wanted.map((event) => ({
          endpointId: endpoint.id,
          eventId: event.id,
          eventType: event.type,
          streamId: event.streamId,
          position: event.position,
          body: JSON.stringify(structuredCloudEvent(event)),
          occurredAt: event.occurredAt,
        })),
      );
      queued += wanted.length;
      cursor = page[page.length - 1]!.position;
    }
    this.logger.log({ msg: `replay of ${endpoint.id} (${after}, ${until}]: ${queued} deliveries queued`, endpointId: endpoint.id });
  }
}
