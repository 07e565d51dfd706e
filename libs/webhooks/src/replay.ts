import type { EventStore } from '@zan/event-store';
import { structuredCloudEvent } from '@zan/messaging';
import type { WebhookEndpoint } from './endpoint';
import type { WebhookStore } from './webhook-store.port';

const PAGE = 500;

/**
 * Queues again, as new, an endpoint's events in (after, until]: delivered ones go again with the
 * same webhook-id, in order per stream with whatever is queued. Asking twice is harmless.
 */
export const replayRange = (
  events: Pick<EventStore, 'readAll'>,
  store: WebhookStore,
  endpoint: Pick<WebhookEndpoint, 'id' | 'events'>,
  after: bigint,
  until: bigint,
  stopped: () => boolean = () => false,
  now: () => Date = () => new Date(),
): Promise<number> => queueRange(events, store, endpoint, after, until, 'again', stopped, now);

/**
 * Queues an endpoint's events in (after, until] that were never queued for it, each once, as the
 * webhooks app queues what it consumes: what came between an endpoint's starting position and its
 * row, which no consumer could queue for it.
 */
export const queueMissed = (
  events: Pick<EventStore, 'readAll'>,
  store: WebhookStore,
  endpoint: Pick<WebhookEndpoint, 'id' | 'events'>,
  after: bigint,
  until: bigint,
  now: () => Date = () => new Date(),
): Promise<number> => queueRange(events, store, endpoint, after, until, 'once', () => false, now);

const queueRange = async (
  events: Pick<EventStore, 'readAll'>,
  store: WebhookStore,
  endpoint: Pick<WebhookEndpoint, 'id' | 'events'>,
  after: bigint,
  until: bigint,
  mode: 'again' | 'once',
  stopped: () => boolean,
  /** The time the dispatcher claims by (see WebhookStore.enqueue). */
  now: () => Date,
): Promise<number> => {
  let cursor = after;
  let queued = 0;
  while (cursor < until && !stopped()) {
    const page = await events.readAll({ after: cursor, maxCount: PAGE });
    if (page.length === 0) break;
    const wanted = page.filter((e) => e.position <= until && endpoint.events.includes(e.type));
    const deliveries = wanted.map((event) => ({
      endpointId: endpoint.id,
      eventId: event.id,
      eventType: event.type,
      streamId: event.streamId,
      position: event.position,
      body: JSON.stringify(structuredCloudEvent(event)),
      occurredAt: event.occurredAt,
    }));
    await (mode === 'again' ? store.requeue(deliveries, now()) : store.enqueue(deliveries, now()));
    queued += wanted.length;
    cursor = page[page.length - 1]!.position;
  }
  return queued;
};
