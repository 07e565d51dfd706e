import { decodeEvent, UndecodableMessageError } from './cloud-events';
import { backoffDelay, DEFAULT_RETRY_BACKOFF, type ConsumerOptions, type DeliveredEvent, type RawDelivery } from './event-bus.port';

/** Decodes a message as a consumer receives it; throws UndecodableMessageError when it is not a Zan CloudEvent. */
export const decodeDelivery = (raw: RawDelivery, category: string): DeliveredEvent => {
  let decoded;
  try {
    decoded = decodeEvent(raw);
  } catch (error) {
    throw error instanceof UndecodableMessageError ? error : new UndecodableMessageError(String(error));
  }
  return { ...decoded, category, topic: raw.topic, partition: raw.partition, offset: raw.offset, raw };
};

/**
 * What every adapter does with one message: decode it, hand it to the consumer, or to onUndecodable
 * when it is not a Zan CloudEvent. Throws when the message must be delivered again.
 */
export const deliver = async (options: ConsumerOptions, raw: RawDelivery, category: string): Promise<void> => {
  let delivery;
  try {
    delivery = decodeDelivery(raw, category);
  } catch (error) {
    if (!options.onUndecodable) throw error;
    await options.onUndecodable(raw, error);
    return;
  }
  await options.handle(delivery);
};

/**
 * Counts consecutive failures of the message at the head of each partition, reports them, and says
 * how long to wait before the next delivery.
 */
export class FailedDeliveries {
  private readonly heads = new Map<string, { offset: string; attempts: number }>();

  constructor(private readonly options: ConsumerOptions) {}

  /** Records a failure and returns the backoff in ms. */
  failed(raw: RawDelivery, error: unknown): number {
    const key = `${raw.topic}\u0000${raw.partition}`;
    const head = this.heads.get(key);
    const attempts = head?.offset === raw.offset ? head.attempts + 1 : 1;
    this.heads.set(key, { offset: raw.offset, attempts });
    try {
      (this.options.onError ?? this.warn)(error, raw, attempts);
    } catch {
      // A failing reporter must not stop the redelivery.
    }
    return backoffDelay(this.options.retryBackoff ?? DEFAULT_RETRY_BACKOFF, attempts);
  }

  succeeded(raw: RawDelivery): void {
    this.heads.delete(`${raw.topic}\u0000${raw.partition}`);
  }

  private readonly warn = (error: unknown, raw: RawDelivery, attempt: number): void => {
    const reason = error instanceof Error ? error.message : String(error);
    console.warn(
      `[messaging] group ${this.options.groupId}: ${raw.topic}[${raw.partition}]@${raw.offset} failed (attempt ${attempt}), will be delivered again: ${reason}`,
    );
  };
}
