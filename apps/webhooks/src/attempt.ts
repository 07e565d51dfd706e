import {
  activeSecrets,
  nextAttemptAt,
  sendWebhook,
  signDelivery,
  type AttemptOutcome,
  type PendingDelivery,
  type RetryPolicy,
  type SendResult,
  type WebhookEndpoint,
} from '@zan/webhooks';

export interface AttemptSettings {
  retry: RetryPolicy;
  timeoutMs: number;
  allowPrivate: boolean;
}

const isSuccess = (result: SendResult): boolean => result.kind === 'answered' && result.status >= 200 && result.status < 300;

/**
 * One attempt of one delivery: signed with every active secret at the attempt's time, sent, and
 * turned into what the store records (delivered, or when to try again, or given up).
 */
export const attemptDelivery = async (
  endpoint: WebhookEndpoint,
  delivery: PendingDelivery,
  settings: AttemptSettings,
  now: () => Date,
): Promise<{ outcome: AttemptOutcome; result: SendResult }> => {
  const at = now();
  const headers = signDelivery(delivery.eventId, delivery.body, activeSecrets(endpoint, at), at);
  const result = await sendWebhook(endpoint.url, { ...headers }, delivery.body, { timeoutMs: settings.timeoutMs, allowPrivate: settings.allowPrivate });
  const ended = now();
  const attempt = delivery.attempts + 1;
  const succeeded = isSuccess(result);
  const retryAt = succeeded ? undefined : nextAttemptAt(settings.retry, attempt, new Date(delivery.firstQueuedAt), ended);
  const status = succeeded ? 'delivered' : !retryAt ? 'failed' : result.kind === 'refused' ? 'refused' : 'retrying';
  return {
    result,
    outcome: {
      endpointId: endpoint.id,
      eventId: delivery.eventId,
      succeeded,
      ...(retryAt && { retryAt }),
      disableIfFailingSince: new Date(ended.getTime() - settings.retry.disableAfterMs),
      attempt: {
        eventId: delivery.eventId,
        type: delivery.eventType,
        attempt,
        status,
        at: at.toISOString(),
        responseStatus: result.kind === 'answered' ? result.status : null,
        ...(result.kind !== 'answered' && { error: result.error }),
      },
    },
  };
};
