import { Webhook } from 'standardwebhooks';

export interface SignedHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/**
 * The Standard Webhooks headers of one attempt, signed with the specification's own library: one
 * `v1,<base64 HMAC-SHA256 of id.timestamp.body>` per active secret, separated by spaces (the
 * specification's way to rotate a secret without a gap). The id stays the event id on every attempt;
 * the timestamp is the attempt's.
 */
export const signDelivery = (id: string, body: string, secrets: readonly string[], at: Date): SignedHeaders => {
  if (secrets.length === 0) throw new Error(`no active secret to sign ${id}`);
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': secrets.map((secret) => new Webhook(secret).sign(id, at, body)).join(' '),
  };
};
