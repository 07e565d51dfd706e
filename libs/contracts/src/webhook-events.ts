/**
 * On `webhook-endpoint-<endpointId>`: the webhook sender disabled an endpoint after every delivery
 * to it failed for the disable window (3 days by default). Operational, no money; the endpoint's
 * settings and secrets are not events (they stay in the webhook store), only this fact is.
 */
export interface WebhookEndpointDisabled {
  endpointId: string;
  /** Why, as `GET /v1/webhooks/endpoints` shows it: `every delivery failed since <failingSince>`. */
  reason: string;
  /** The first failed attempt of the streak. */
  failingSince: string;
  disabledAt: string;
}
