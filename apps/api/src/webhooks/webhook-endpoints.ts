import { Inject, Injectable } from '@nestjs/common';
import { ZAN_CONFIG, type ZanConfig } from '@zan/platform';
import { WEBHOOK_STORE, type WebhookEndpoint, type WebhookStore } from '@zan/webhooks';
import { ProblemException, httpProblem } from '../http/problem';

/** An endpoint as the admin routes show it: never its secrets. */
export interface EndpointView {
  endpointId: string;
  url: string;
  events: string[];
  description?: string;
  status: 'enabled' | 'disabled';
  disabledReason?: string;
  disabledAt?: string;
  createdAt: string;
  /** A rotation's overlap: the previous secret still signs beside the current one until then. */
  previousSecretRetiresAt?: string;
}

export const viewOf = (e: WebhookEndpoint, now = Date.now()): EndpointView => {
  const retiring = e.secrets.find((s) => s.retiresAt !== undefined && Date.parse(s.retiresAt) > now);
  return {
    endpointId: e.id,
    url: e.url,
    events: e.events,
    ...(e.description !== undefined && { description: e.description }),
    status: e.status,
    ...(e.disabledReason !== undefined && { disabledReason: e.disabledReason }),
    ...(e.disabledAt !== undefined && { disabledAt: e.disabledAt }),
    createdAt: e.createdAt,
    ...(retiring && { previousSecretRetiresAt: retiring.retiresAt }),
  };
};

const ENDPOINT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The webhook store as the admin routes use it: a 503 where there is none, a 404 for an unknown id. */
@Injectable()
export class WebhookEndpoints {
  constructor(
    @Inject(WEBHOOK_STORE) private readonly maybeStore: WebhookStore | null,
    @Inject(ZAN_CONFIG) readonly config: ZanConfig,
  ) {}

  get store(): WebhookStore {
    if (!this.maybeStore) {
      throw new ProblemException(httpProblem('unavailable', 'webhooks need a PostgreSQL or embedded event store, or REDIS_URL beside EventStoreDB'));
    }
    return this.maybeStore;
  }

  async find(id: string): Promise<WebhookEndpoint> {
    const endpoint = ENDPOINT_ID.test(id) ? await this.store.endpoint(id) : undefined;
    if (!endpoint) throw new ProblemException(httpProblem('webhook-endpoint-not-found', `no webhook endpoint ${id.slice(0, 64)}`));
    return endpoint;
  }
}
