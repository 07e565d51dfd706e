import type { WebhookEndpoint } from './endpoint';

/** An event to deliver to one endpoint: queued once per (endpoint, event). */
export interface NewDelivery {
  endpointId: string;
  eventId: string;
  eventType: string;
  streamId: string;
  position: bigint;
  /** The request body as sent on every attempt (the CloudEvents JSON structured form). */
  body: string;
  /** When the event happened: the age of the oldest undelivered event is measured from it. */
  occurredAt: string;
}

/** A queued delivery: the head of its (endpoint, stream) queue when handed to the dispatcher. */
export interface PendingDelivery extends NewDelivery {
  /** Attempts made so far. */
  attempts: number;
  /** When it was first queued (the retry window starts there). */
  firstQueuedAt: string;
}

export type AttemptStatus = 'delivered' | 'retrying' | 'failed' | 'refused';

/** One attempt in an endpoint's delivery log (what `GET .../deliveries` answers). */
export interface DeliveryAttempt {
  eventId: string;
  type: string;
  attempt: number;
  /** delivered (2xx); retrying (will be tried again); failed (given up); refused (the address is not allowed). */
  status: AttemptStatus;
  at: string;
  /** The receiver's HTTP status; null when there was none (timeout, refused connection, SSRF refusal). */
  responseStatus: number | null;
  error?: string;
}

/** What one attempt ended with, as the dispatcher records it. */
export interface AttemptOutcome {
  endpointId: string;
  eventId: string;
  attempt: DeliveryAttempt;
  /** Set when the delivery is still pending: when to try again. */
  retryAt?: Date;
  /** Whether the endpoint answered 2xx (clears its failing streak) or failed (starts or extends it). */
  succeeded: boolean;
  /** Disable the endpoint when it has been failing since before this instant. */
  disableIfFailingSince: Date;
}

/**
 * Endpoints, their queues and their delivery logs, kept durably (the event store's SQL database, or
 * Redis beside EventStoreDB) so a restarted or failed-over dispatcher resumes where the last one stopped.
 */
export interface WebhookStore {
  migrate(): Promise<void>;
  createEndpoint(endpoint: WebhookEndpoint): Promise<void>;
  endpoints(): Promise<WebhookEndpoint[]>;
  endpoint(id: string): Promise<WebhookEndpoint | undefined>;
  /** False when there was none. Its queue and log go with it. */
  deleteEndpoint(id: string): Promise<boolean>;
  /** The new secret becomes current; the current one retires at `retiresAt`. False when there is no such endpoint. */
  rotateSecret(id: string, secret: string, retiresAt: Date): Promise<boolean>;
  /** Enabled again, with its failing streak forgotten. */
  enableEndpoint(id: string): Promise<boolean>;
  /**
   * Queues each delivery once: one already queued (pending, delivered or given up) is left as it is.
   * `now` (default: this machine's clock) is when they are due and first queued: give the time the
   * dispatcher claims by (its `now`), or a replica whose own clock is ahead of it queues them late.
   */
  enqueue(deliveries: NewDelivery[], now?: Date): Promise<void>;
  /** Queues again, as new, even those delivered before (a replay); `now` as for enqueue. */
  requeue(deliveries: NewDelivery[], now?: Date): Promise<void>;
  /**
   * Claims due heads, atomically: for each (enabled endpoint, stream), its pending delivery with the
   * lowest position, when its retry time has come and no lease on it runs, earliest due first. Each
   * one claimed is leased until `leaseUntil` (kept in the store): no other claim answers it before
   * then, and a dispatcher that crashes before recording it has it claimed again after. The heads of
   * the `busy` endpoints (those with their share in flight already) are left for a later claim.
   */
  claim(now: Date, limit: number, leaseUntil: Date, busy?: readonly string[]): Promise<PendingDelivery[]>;
  /**
   * Records an attempt and ends its lease; a delivery no longer pending (delivered meanwhile, its
   * endpoint deleted) records nothing. `disabled` is true for the one attempt that disabled the endpoint.
   */
  record(outcome: AttemptOutcome): Promise<{ disabled: boolean }>;
  /** An endpoint's log, newest first. */
  attempts(endpointId: string, limit: number): Promise<DeliveryAttempt[]>;
  /** Pending deliveries per endpoint and the occurrence time of the oldest pending event overall. */
  backlog(): Promise<{ pending: number; oldestOccurredAt?: string }>;
  close(): Promise<void>;
}

export const WEBHOOK_STORE = Symbol('WEBHOOK_STORE');

/** The key of a (endpoint, stream) queue: deliveries of one key go one at a time, in position order. */
export const queueKey = (d: Pick<NewDelivery, 'endpointId' | 'streamId'>): string => `${d.endpointId}\u0000${d.streamId}`;
