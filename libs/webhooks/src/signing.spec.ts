import { Webhook } from 'standardwebhooks';
import { activeSecrets, newEndpointSecret } from './endpoint';
import { signDelivery } from './signing';

describe('signing a delivery (Standard Webhooks)', () => {
  const body = JSON.stringify({ specversion: '1.0', id: 'e-1', type: 'zan.TipReceived.v1', data: { amount: 100 } });

  it('is accepted by the reference verifier, and refused with another secret or a changed body', () => {
    const secret = newEndpointSecret();
    const headers = signDelivery('e-1', body, [secret], new Date());
    expect(headers['webhook-id']).toBe('e-1');
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
    expect(() => new Webhook(newEndpointSecret()).verify(body, { ...headers })).toThrow();
    expect(() => new Webhook(secret).verify(body.replace('100', '999'), { ...headers })).toThrow();
  });

  it('signs with every active secret during a rotation, each verifying on its own', () => {
    const [current, previous] = [newEndpointSecret(), newEndpointSecret()];
    const now = new Date();
    const secrets = activeSecrets({ secrets: [{ secret: current }, { secret: previous, retiresAt: new Date(now.getTime() + 60_000).toISOString() }] }, now);
    const headers = signDelivery('e-1', body, secrets, now);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    for (const secret of [current, previous]) expect(() => new Webhook(secret).verify(body, { ...headers })).not.toThrow();
    const later = new Date(now.getTime() + 120_000);
    expect(activeSecrets({ secrets: [{ secret: current }, { secret: previous, retiresAt: new Date(now.getTime() + 60_000).toISOString() }] }, later)).toEqual([
      current,
    ]);
  });
});
