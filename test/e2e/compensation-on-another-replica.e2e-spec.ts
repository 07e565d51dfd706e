import type { INestApplication } from '@nestjs/common';
import { EVENT_STORE, type EventStore } from '@zan/event-store';
import { loadConfig } from '@zan/platform';
import { createZanApp } from '../../apps/zan/src/zan.app';
import { CreditsProcessManager } from '../../apps/api/src/process-managers/credits.process-manager';
import { clientFor, fundedUser } from '../support/http-client';
import { readAllEvents } from '../support/read-model-snapshot';
import { dropIsolated, fullStackEnv } from '../support/stacks';

/**
 * Two api replicas on one PostgreSQL store. The order is placed on the replica whose credits process
 * manager leads, so its cache holds the order as opened; the refund is asked on the other one while
 * the merchant withdraws, and is declined and released there. The leader's release of that refund,
 * decided on its cached order (nothing refunded), refused for good ("cannot release 1000 fen of 0
 * fen reserved"): the process manager restarted on it forever, its watermark stopped, and every
 * `?after=` of a later order answered 503 on every replica.
 */
describe('a compensation decided on another replica', () => {
  const env: Record<string, string> = { ...fullStackEnv('compreplica'), ZAN_RATE_LIMIT_PER_MINUTE: '0', ZAN_READ_WAIT_MS: '4000' };
  const apps: INestApplication[] = [];

  beforeAll(async () => {
    const config = loadConfig(env);
    const quiet = { logger: ['error', 'fatal'] as ('error' | 'fatal')[] };
    for (const roles of [['api'], ['api'], ['relay'], ['projector']] as const) {
      const app = await createZanApp({ config, roles: [...roles], ...quiet });
      await app.init();
      apps.push(app);
    }
  }, 120_000);
  afterAll(async () => {
    for (const app of apps.reverse()) await app.close();
    await dropIsolated(env);
  }, 60_000);

  it('leaves the credits process manager reacting: read-your-writes of a later order answers', async () => {
    const [a, b] = apps as [INestApplication, INestApplication];
    const [leader, other] = a.get(CreditsProcessManager, { strict: false }).leading ? [a, b] : [b, a];
    await fundedUser(leader, 'cr-shop', 0, 'business');
    await fundedUser(leader, 'cr-buyer', 1_000_000);
    const shopHere = clientFor(leader, 'cr-shop');
    const shopThere = clientFor(other, 'cr-shop');
    const buyer = clientFor(leader, 'cr-buyer');
    const { productId } = (await shopHere.post('/v1/merchants/me/products', { title: '茶', price: 1_000, stock: null }).expect(201)).body;
    const store = leader.get<EventStore>(EVENT_STORE);
    const declined = async () => (await readAllEvents(store)).some((event) => event.type === 'OrderRefundDeclined');

    // The merchant holds one order's money; a refund of it passes the pre-check on the other replica
    // while the merchant withdraws it here: one of the two wins, until the refund is the one declined.
    for (let attempt = 0; attempt < 30 && !(await declined()); attempt++) {
      const { orderId, position } = (await buyer.post('/v1/orders', { productId, quantity: 1, expectedPrice: 1_000 }).expect(201)).body;
      await shopHere.get(`/v1/wallets/me?after=${position}`).expect(200);
      await Promise.all([
        shopThere.post(`/v1/orders/${orderId}/refunds`, { amount: 1_000 }),
        shopHere.post('/v1/wallets/me/withdrawals', { amount: 1_000, cardId: 'card-cr-shop' }),
      ]);
    }
    expect(await declined()).toBe(true);

    const later = (await buyer.post('/v1/orders', { productId, quantity: 1, expectedPrice: 1_000 }).expect(201)).body;
    await buyer.get(`/v1/orders/me?after=${later.position}`).expect(200);
    await clientFor(other, 'cr-buyer').get(`/v1/orders/me?after=${later.position}`).expect(200);
  });
});
