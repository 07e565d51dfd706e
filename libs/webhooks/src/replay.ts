import type { EventStore } from '@zan/event-store';
import { structuredCloudEvent } from '@zan/messaging';
import type { WebhookEndpoint } from './endpoint';
import type { WebhookStore } from './webhook-store.port';

const PAGE = 500;

/**
 * Queues again, as new, an endpoint's events in (after, until]: delivered ones go again with the
 * same webhook-id, in order per stream with whatever is queued. Asking twice is harmless.
 */
export const replayRange = async (
  events: Pick<EventStore, 'readAll'>,
  store: WebhookStore,
  endpoint: Pick<WebhookEndpoint, 'id' | 'events'>,
  after: bigint,
  until: bigint,
  stopped: () => boolean = () => false,
): Promise<number> => {
  let cursor = after;
  let queued = 0;
  while (cursor < until && !stopped()) {
    const page = await events.readAll({ after: cursor, maxCount: PAGE });
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
  return queued;
};
