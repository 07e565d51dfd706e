import { createHmac } from 'node:crypto';
import request from 'supertest';
import { walletStream } from '@zan/contracts';
import { EVENT_STORE, type EventStore } from '@zan/event-store';
import { loadConfig } from '@zan/platform';
import { deterministicId } from '../../apps/api/src/command-path/ids';
import { createZanApp } from '../../apps/zan/src/zan.app';
import { clientFor, fundedUser } from '../support/http-client';
import { dropIsolated, fullStackEnv } from '../support/stacks';
import { TEST_JWT_SECRET } from '../support/tokens';

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
/** A token with exactly these claims (tokenFor always adds iat and exp). */
const rawToken = (claims: Record<string, unknown>, secret = TEST_JWT_SECRET) => {
  const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
};

describe('security (full stack)', () => {
  const env = {
    ...fullStackEnv('security'),
    ZAN_RATE_LIMIT_PER_MINUTE: '6',
    ZAN_QUERY_RATE_LIMIT_PER_MINUTE: '10',
    ZAN_CORS_ORIGINS: 'https://app.example.com',
  };
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
    await fundedUser(one!, 'spender', 0); // no funding; opening is not rate limited, verifying and linking the card count 1 each
    const a = clientFor(one!, 'spender');
    const b = clientFor(two!, 'spender');
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const client = i % 2 === 0 ? a : b;
      statuses.push((await client.post('/v1/wallets/me/fundings', { amount: 100, cardId: 'card-spender' })).status);
    }
    expect(statuses).toEqual([201, 201, 201, 201]);
    const limited = await b.post('/v1/wallets/me/fundings', { amount: 100, cardId: 'card-spender' }).expect(429);
    expect(limited.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // The limit it hit, as every answer of that limit carries it.
    expect(limited.headers).toMatchObject({ 'x-ratelimit-limit-money': '6', 'x-ratelimit-remaining-money': '0' });
    expect(Number(limited.headers['x-ratelimit-reset-money'])).toBeGreaterThan(0);
    // Another user is not affected, and queries are counted apart.
    await fundedUser(two!, 'saver', 100);
    await a.get('/v1/wallets/me').expect((r) => expect([200, 404]).toContain(r.status));
  });

  it('limits queries per user across instances, apart from and above money-moving requests', async () => {
    const [one, two] = apps;
    const a = clientFor(one!, 'reader');
    const b = clientFor(two!, 'reader');
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await (i % 2 === 0 ? a : b).get('/v1/leaderboards/authors')).status);
    expect(statuses).toEqual(Array(10).fill(200));
    const limited = await b.get('/v1/wallets/me').expect(429);
    expect(limited.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(limited.body).toMatchObject({
      status: 429,
      type: expect.stringMatching(/rate-limited$/),
      detail: expect.stringMatching(/at most 10 queries per minute/),
    });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.headers).toMatchObject({ 'x-ratelimit-limit-queries': '10', 'x-ratelimit-remaining-queries': '0' });
    // Probes carry no user and are never limited; another user still reads.
    const request = (await import('supertest')).default;
    for (let i = 0; i < 12; i++) await request(one!.getHttpServer()).get('/health/live').expect(200);
    await clientFor(one!, 'other-reader').get('/v1/leaderboards/authors').expect(200);
  });

  it('counts HEAD against the query limit as the GET it runs', async () => {
    const [one, two] = apps;
    const head = (app: typeof one, path: string) =>
      request(app!.getHttpServer())
        .head(path)
        .set('Authorization', `Bearer ${clientFor(app!, 'header').token}`);
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await head(i % 2 === 0 ? one : two, '/v1/leaderboards/authors')).status);
    expect(statuses).toEqual(Array(10).fill(200));
    await head(two, '/v1/leaderboards/authors').expect(429);
    await clientFor(one!, 'header').get('/v1/leaderboards/authors').expect(429);
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

  it('answers an unknown route 404 naming its path, never its query', async () => {
    const response = await request(apps[0]!.getHttpServer()).get('/v1/nope?access_token=SECRET123').expect(404);
    expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(response.body.detail).toBe('Cannot GET /v1/nope');
    expect(response.text).not.toContain('SECRET123');
  });

  it('refuses bodies over 64 KB with a 413 problem', async () => {
    const client = clientFor(apps[0]!, 'big');
    const response = await client.post('/v1/wallets', { kind: 'individual', pad: 'x'.repeat(70_000) }).expect(413);
    expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
  });

  it('limits card linking like money routes: 429 with Retry-After past the limit', async () => {
    const linker = clientFor(apps[0]!, 'linker');
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await linker.post('/v1/wallets/me/cards', { cardId: `card-${i}`, holderName: '李四' }, null)).status);
    expect(statuses).toEqual([201, 201, 201, 201, 201, 201, 429]);
    const limited = await clientFor(apps[1]!, 'linker').post('/v1/wallets/me/cards', { cardId: 'card-x', holderName: '李四' }, null).expect(429);
    expect(limited.body.type).toMatch(/rate-limited$/);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
  });

  describe('tokens', () => {
    const now = () => Math.floor(Date.now() / 1000);
    const answer = async (authorization: string) => {
      const response = await request(apps[0]!.getHttpServer()).get('/v1/wallets/me').set('Authorization', authorization);
      return { status: response.status, detail: response.body.detail as string | undefined };
    };
    const refused = (detail: string) => ({ status: 401, detail });

    it('accepts a token with exp, iat and nbf in range', async () => {
      expect((await answer(`Bearer ${rawToken({ sub: 'tok', iat: now(), nbf: now(), exp: now() + 600 })}`)).status).not.toBe(401);
      // The auth scheme is case-insensitive.
      expect((await answer(`bearer ${rawToken({ sub: 'tok', iat: now(), exp: now() + 600 })}`)).status).not.toBe(401);
    });

    it('refuses each bad token with a 401 saying why', async () => {
      const cases: [string, string][] = [
        [rawToken({ sub: 'tok', iat: now() }), 'token has no exp claim'],
        [rawToken({ sub: 'tok', iat: now() - 600, exp: now() - 60 }), 'token expired'],
        [rawToken({ sub: 'tok', nbf: now() + 60, exp: now() + 600 }), 'token not yet valid (nbf)'],
        [rawToken({ sub: 'tok', iat: now() + 60, exp: now() + 600 }), 'token not yet valid (iat in the future)'],
        [rawToken({ sub: 'tok', iat: now(), exp: now() + 86_400 * 365 }), 'token lifetime too long: at most 86400 s from iat to exp'],
        [rawToken({ sub: 'tok', iat: now(), exp: now() + 600 }, 'zan-dev-secret-change-me-please'), 'bad token signature'],
        ['not-a-jwt', 'malformed token: expected three dot-separated parts'],
      ];
      for (const [token, detail] of cases) expect({ token, ...(await answer(`Bearer ${token}`)) }).toEqual({ token, ...refused(detail) });
      // A malformed token is not a malformed header, and the other way round.
      expect(await answer('Token abc')).toEqual(refused('malformed Authorization header: expected "Bearer <jwt>"'));
      expect(await answer('Bearer')).toEqual(refused('malformed Authorization header: expected "Bearer <jwt>"'));
    });
  });

  describe('red packet ids', () => {
    it('cannot be computed from the sender and the Idempotency-Key: an outsider who knows both cannot claim', async () => {
      const { client: alice } = await fundedUser(apps[0]!, 'rp-alice', 5000);
      const sent = await alice.post('/v1/red-packets', { amount: 1000, shares: 3, mode: 'lucky' }, 'rp-0001').expect(201);
      const id: string = sent.body.redPacketId;
      // What the id used to be: a uuid v5 of public inputs under a namespace in the source.
      const guessed = deterministicId(deterministicId('command', 'rp-alice', 'rp-0001'), 'red-packet');
      expect(id).not.toBe(guessed);
      const eve = clientFor(apps[1]!, 'rp-eve');
      const claim = await eve.post(`/v1/red-packets/${guessed}/claims`, undefined, 'eve-1');
      expect(claim.status).toBe(404);
      expect(claim.body.type).toMatch(/red-packet-not-found$/);
      // Whoever is given the real id can claim.
      await eve.post(`/v1/red-packets/${id}/claims`, undefined, 'eve-2').expect(201);
    });

    it('is the same id on a replay, and another for another sender with the same key', async () => {
      const { client: carol } = await fundedUser(apps[0]!, 'rp-carol', 5000);
      const { client: dan } = await fundedUser(apps[1]!, 'rp-dan', 5000);
      const body = { amount: 300, shares: 2, mode: 'equal' };
      const first = await carol.post('/v1/red-packets', body, 'same-key').expect(201);
      const replay = await clientFor(apps[1]!, 'rp-carol').post('/v1/red-packets', body, 'same-key').expect(201);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.body.redPacketId).toBe(first.body.redPacketId);
      const other = await dan.post('/v1/red-packets', body, 'same-key').expect(201);
      expect(other.body.redPacketId).not.toBe(first.body.redPacketId);
      expect(first.body.redPacketId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    });
  });
});

describe('card limit (embedded)', () => {
  it('refuses the 11th card with a 422 card-limit-reached and stores nothing', async () => {
    const { startEmbeddedZan } = await import('../support/stacks');
    const zan = await startEmbeddedZan();
    try {
      const user = clientFor(zan.app, 'collector');
      for (let i = 0; i < 10; i++) await user.post('/v1/wallets/me/cards', { cardId: `card-${i}`, holderName: i === 0 ? '王五' : '李四' }, null).expect(201);
      const store = zan.app.get<EventStore>(EVENT_STORE);
      const before = await store.readStream(walletStream('collector'));
      const refused = await user.post('/v1/wallets/me/cards', { cardId: 'card-10', holderName: '李四' }, null).expect(422);
      expect(refused.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(refused.body).toMatchObject({
        type: expect.stringMatching(/card-limit-reached$/),
        status: 422,
        detail: 'a wallet holds at most 10 bank cards; this one has 10',
      });
      expect(await store.readStream(walletStream('collector'))).toHaveLength(before.length);
      expect(before.filter((event) => event.type === 'BankCardLinked')).toHaveLength(10);
      // A card already linked is still answered as before (no new event).
      await user.post('/v1/wallets/me/cards', { cardId: 'card-3', holderName: '李四' }, null).expect(201);
      expect(await store.readStream(walletStream('collector'))).toHaveLength(before.length);
    } finally {
      await zan.close();
    }
  });
});
