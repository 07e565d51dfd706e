import { twoApiReplicas } from '../support/api-replicas';
import { clientFor, fundedUser } from '../support/http-client';

/**
 * Two api replicas on one PostgreSQL store. Replica B has the merchant's wallet cached as a verified
 * business (it issued the merchant's code and took a payment); an admin rejects the merchant on
 * replica A. B's cache must not keep the merchant selling: a cached "is a merchant" answers only
 * while the store confirmed it moments ago (it counted as settled for good, and B took payments to
 * the rejected merchant until it restarted).
 */
describe('a merchant rejected on one replica sells no more on another', () => {
  const replicas = twoApiReplicas('rejreplica');

  it('refuses payments to it and codes for it (422 not-a-merchant) once the rejection is stored', async () => {
    const { a, b } = replicas;
    await fundedUser(a, 'rj-shop', 0, 'business');
    await fundedUser(a, 'rj-buyer', 10_000);
    const shopOnB = clientFor(b, 'rj-shop');
    const buyerOnB = clientFor(b, 'rj-buyer');
    const code = (await shopOnB.post('/v1/merchants/me/payment-codes', {}).expect(201)).body.code as string;
    await buyerOnB.post('/v1/payments', { code, amount: 100 }).expect(201);

    await clientFor(a, 'rj-admin', { roles: ['admin'] })
      .post('/v1/admin/wallets/rj-shop/verification', { decision: 'rejected', reason: '执照吊销' }, null)
      .expect(201);
    await new Promise((resolve) => setTimeout(resolve, 700)); // past FRESH_MS: B's cached state is no longer the latest it may assume

    expect((await buyerOnB.post('/v1/payments', { code, amount: 100 }).expect(422)).body.type).toMatch(/not-a-merchant$/);
    expect((await shopOnB.post('/v1/merchants/me/payment-codes', {}).expect(422)).body.type).toMatch(/not-a-merchant$/);
  });
});
