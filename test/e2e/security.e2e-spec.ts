import { loadConfig } from '@zan/platform';
import { createZanApp } from '../../apps/zan/src/zan.app';
import { clientFor, fundedUser } from '../support/http-client';
import { dropIsolated, fullStackEnv } from '../support/stacks';

describe('security (full stack)', () => {
  const env = { ...fullStackEnv('security'), ZAN_RATE_LIMIT_PER_MINUTE: '6', ZAN_CORS_ORIGINS: 'https://app.example.com' };
  const apps: Awaited<ReturnType<typeof createZanApp>>[] = [];

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) {
      const app = await createZanApp({ config: loadConfig(env), roles: ['api'], logger: ['error', 'fatal'] });
      await app.init();
      apps.push(app);
    }
  }, 60_000);
  afterAll(async () => {
    for (const app of apps) await app.close();
    await dropIsolated(env);
  }, 60_000);

  it('limits money-moving requests per user across instances, with 429 and Retry-After', async () => {
    const [one, two] = apps;
    await fundedUser(one!, 'spender', 0); // one funding-free setup: open + card are not rate limited
    const a = clientFor(one!, 'spender');
    const b = clientFor(two!, 'spender');
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const client = i % 2 === 0 ? a : b;
      statuses.push((await client.post('/v1/wallets/me/fundings', { amount: 100, cardId: 'card-spender' })).status);
    }
    expect(statuses).toEqual([201, 201, 201, 201, 201, 201]);
    const limited = await b.post('/v1/wallets/me/fundings', { amount: 100, cardId: 'card-spender' }).expect(429);
    expect(limited.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Another user is not affected, and queries are not limited.
    await fundedUser(two!, 'saver', 100);
    await a.get('/v1/wallets/me').expect((r) => expect([200, 404]).toContain(r.status));
  });

  it('sends security headers and allows only listed origins', async () => {
    const request = (await import('supertest')).default;
    const server = apps[0]!.getHttpServer();
    const live = await request(server).get('/health/live').set('Origin', 'https://app.example.com').expect(200);
    expect(live.headers['x-content-type-options']).toBe('nosniff');
    expect(live.headers['x-powered-by']).toBeUndefined();
    expect(live.headers['access-control-allow-origin']).toBe('https://app.example.com');
    const evil = await request(server).get('/health/live').set('Origin', 'https://evil.example.com').expect(200);
    expect(evil.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('refuses bodies over 64 KB with a 413 problem', async () => {
    const client = clientFor(apps[0]!, 'big');
    const response = await client.post('/v1/wallets', { kind: 'individual', pad: 'x'.repeat(70_000) }).expect(413);
    expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
  });
});
