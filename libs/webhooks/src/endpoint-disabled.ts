import { v5 as uuidv5 } from 'uuid';
import { webhookEndpointStream, type NewEvent, type WebhookEndpointDisabled } from '@zan/contracts';
import { DuplicateEventError, type EventStore } from '@zan/event-store';
import type { WebhookEndpoint } from './endpoint';
import type { WebhookStore } from './webhook-store.port';

/** Zan's namespace for deterministic (v5) ids, as the command path uses it. */
const ZAN_ID_NAMESPACE = '5f0c2f0e-2d43-4b8c-9d55-7a7a3d2b9a10';

/**
 * The event saying an endpoint was disabled. Its id is derived from the endpoint and the instant it
 * was disabled: the same disabling announced twice (after a crash, or by two instances) is one event.
 */
export const endpointDisabledEvent = (
  endpoint: Pick<WebhookEndpoint, 'id' | 'disabledAt' | 'disabledReason' | 'failingSince'>,
  causationId: string,
): { streamId: string; event: NewEvent<WebhookEndpointDisabled> } => {
  const disabledAt = endpoint.disabledAt!;
  const id = uuidv5(['webhook-endpoint-disabled', endpoint.id, disabledAt].join('\n'), ZAN_ID_NAMESPACE);
  return {
    streamId: webhookEndpointStream(endpoint.id),
    event: {
      id,
      type: 'WebhookEndpointDisabled',
      data: {
        endpointId: endpoint.id,
        reason: endpoint.disabledReason ?? 'every delivery failed',
        failingSince: endpoint.failingSince ?? disabledAt,
        disabledAt,
      },
      metadata: { correlationId: endpoint.id, causationId, userId: 'system:webhooks' },
      occurredAt: disabledAt,
    },
  };
};

/**
 * Stores the event for a disabled endpoint, once: asked again for the same disabling it finds the
 * event there and adds nothing. Its cause is the attempt that ended the streak (the newest in the log).
 * Answers whether this call stored it.
 */
export const announceDisabled = async (events: Pick<EventStore, 'append'>, store: WebhookStore, endpoint: WebhookEndpoint): Promise<boolean> => {
  if (endpoint.status !== 'disabled' || !endpoint.disabledAt) return false;
  const [last] = await store.attempts(endpoint.id, 1);
  const { streamId, event } = endpointDisabledEvent(endpoint, last?.eventId ?? endpoint.id);
  try {
    await events.append(streamId, [event], 'any');
    return true;
  } catch (error) {
    if (error instanceof DuplicateEventError) return false;
    throw error;
  }
};
