export * from './endpoint';
export * from './webhook-store.port';
export * from './signing';
export { SqlWebhookStore } from './sql/sql-webhook-store';
export { RedisWebhookStore, type RedisWebhookStoreOptions } from './redis/redis-webhook-store';
export { ForbiddenAddressError, isForbiddenAddress } from './delivery/address-policy';
export { sendWebhook, type SendOptions, type SendResult } from './delivery/http-sender';
export { DEFAULT_RETRY_POLICY, nextAttemptAt, type RetryPolicy } from './delivery/retry-policy';
export { replayRange } from './replay';
