import { randomBytes } from 'node:crypto';

/** A signing secret of an endpoint; `retiresAt` set on the previous secret during a rotation's overlap. */
export interface EndpointSecret {
  secret: string;
  retiresAt?: string;
}

export type EndpointStatus = 'enabled' | 'disabled';

/** An integrator's HTTPS endpoint and the event types it subscribed to. */
export interface WebhookEndpoint {
  id: string;
  url: string;
  /** Zan event types (`TipReceived`, `OrderRefunded`, ...). */
  events: string[];
  description?: string;
  status: EndpointStatus;
  /** Why it was disabled (failing every delivery for the disable window), when it is. */
  disabledReason?: string;
  disabledAt?: string;
  /** Events after this global position are delivered to it (the store's head when it was created). */
  fromPosition: bigint;
  /** Since when every delivery has failed; undefined after a success. */
  failingSince?: string;
  createdAt: string;
  /** Newest first: the current secret, then a retiring one during a rotation's overlap. */
  secrets: EndpointSecret[];
}

/** The secrets a delivery at `now` is signed with: the current one and those still in their overlap. */
export const activeSecrets = (endpoint: Pick<WebhookEndpoint, 'secrets'>, now: Date): string[] =>
  endpoint.secrets.filter((s) => s.retiresAt === undefined || Date.parse(s.retiresAt) > now.getTime()).map((s) => s.secret);

/** A new secret as Standard Webhooks writes them: `whsec_` and 24 random bytes in base64. */
export const newEndpointSecret = (): string => `whsec_${randomBytes(24).toString('base64')}`;

export const subscribes = (endpoint: Pick<WebhookEndpoint, 'events' | 'status' | 'fromPosition'>, type: string, position: bigint): boolean =>
  endpoint.status === 'enabled' && position > endpoint.fromPosition && endpoint.events.includes(type);
