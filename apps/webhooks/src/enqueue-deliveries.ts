import type { StoredEvent } from '@zan/contracts';
import { structuredCloudEvent } from '@zan/messaging';
import { subscribes, type NewDelivery, type WebhookEndpoint } from '@zan/webhooks';

/** The deliveries an event makes: one per enabled endpoint subscribed to its type and created before it. */
export const deliveriesOf = (event: StoredEvent, endpoints: readonly WebhookEndpoint[]): NewDelivery[] => {
  const targets = endpoints.filter((endpoint) => subscribes(endpoint, event.type, event.position));
  if (targets.length === 0) return [];
  const body = JSON.stringify(structuredCloudEvent(event));
  return targets.map((endpoint) => ({
    endpointId: endpoint.id,
    eventId: event.id,
    eventType: event.type,
    streamId: event.streamId,
    position: event.position,
    body,
    occurredAt: event.occurredAt,
  }));
};
