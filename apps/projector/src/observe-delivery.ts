import type { Logger } from '@nestjs/common';
import type { DeliveredEvent } from '@zan/messaging';
import { SpanKind, contextOfEvent, eventLogFields, inSpan } from '@zan/platform';

/**
 * Applies one delivery in a CONSUMER span, child of the relay's span (the traceparent in the
 * event's metadata), and logs it at debug with the event's correlation and causation ids.
 */
export const observeDelivery = (logger: Logger, delivery: DeliveredEvent, apply: () => Promise<boolean>): Promise<boolean> => {
  const { event } = delivery;
  return inSpan(
    `process ${delivery.topic}`,
    {
      kind: SpanKind.CONSUMER,
      parent: contextOfEvent(event.metadata),
      attributes: {
        'messaging.destination.name': delivery.topic,
        'zan.event_id': event.id,
        'zan.event_type': event.type,
        'zan.position': event.position.toString(),
      },
    },
    async () => {
      const fresh = await apply();
      logger.debug({
        msg: fresh ? 'applied' : 'already applied',
        ...eventLogFields(event),
        topic: delivery.topic,
        partition: delivery.partition,
        offset: delivery.offset,
      });
      return fresh;
    },
  );
};
