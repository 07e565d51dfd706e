import { EVENT_CATALOG, EVENT_SCHEMAS, streamCategory } from '@zan/contracts';
import { endpointDisabledEvent } from './endpoint-disabled';

const endpoint = {
  id: '6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b',
  disabledAt: '2026-03-04T10:00:00.000Z',
  failingSince: '2026-03-01T09:59:00.000Z',
  disabledReason: 'every delivery failed since 2026-03-01T09:59:00.000Z',
};

describe('endpointDisabledEvent', () => {
  it('says which endpoint, why and since when, on its own stream, caused by the attempt that ended the streak', () => {
    const { streamId, event } = endpointDisabledEvent(endpoint, 'event-that-failed');
    expect(streamId).toBe(`webhook-endpoint-${endpoint.id}`);
    expect(streamCategory(streamId)).toBe(EVENT_CATALOG.WebhookEndpointDisabled.category);
    expect(event).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      type: 'WebhookEndpointDisabled',
      data: { endpointId: endpoint.id, reason: endpoint.disabledReason, failingSince: endpoint.failingSince, disabledAt: endpoint.disabledAt },
      metadata: { correlationId: endpoint.id, causationId: 'event-that-failed', userId: 'system:webhooks' },
      occurredAt: endpoint.disabledAt,
    });
    const schema = EVENT_SCHEMAS.WebhookEndpointDisabled[1] as { required: string[] };
    expect(Object.keys(event.data).sort()).toEqual([...schema.required].sort());
  });

  it('has one id per disabling: the same one announced twice is one event, a later one another', () => {
    const once = endpointDisabledEvent(endpoint, 'a').event.id;
    expect(endpointDisabledEvent(endpoint, 'b').event.id).toBe(once);
    expect(endpointDisabledEvent({ ...endpoint, disabledAt: '2026-04-01T00:00:00.000Z' }, 'a').event.id).not.toBe(once);
  });
});
