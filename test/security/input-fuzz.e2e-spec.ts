import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { EVENT_STORE, type EventStore } from '@zan/event-store';
import { clientFor, fundedUser, publishArticle, type Client } from '../support/http-client';
import { ownCardOf, realNameOf, verificationBodyOf } from '../support/identity';
import { startFullStackInProcess } from '../support/stacks';
import { TEST_JWT_SECRET, tokenFor } from '../support/tokens';

/**
 * A table-driven fuzz of every route: each bad value of each class, in each field, gets a 4xx
 * problem+json without a stack trace, and the event store does not move (no balance changes).
 */
const AMOUNTS: [string, unknown][] = [
  ['-1', -1],
  ['0', 0],
  ['0.5', 0.5],
  ['"100"', '100'],
  ['"1e3"', '1e3'],
  ['2^53', 2 ** 53],
  ['2^63', 2 ** 63],
  ['null', null],
  ['array', [100]],
  ['object', { fen: 100 }],
  ['true', true],
  ['-0.0001', -0.0001],
];
const IDS: [string, unknown][] = [
  ['empty', ''],
  ['10 KB', 'x'.repeat(10_240)],
  ['unicode', '用户👍'],
  ['path', '../../etc/passwd'],
  ['slash', 'a/b'],
  ['dot-dot', '..'],
  ['null byte', 'a\u0000b'],
  ['number', 42],
  ['null', null],
  ['object', { id: 'x' }],
];
const EXTRA = { balance: 1e9, userId: 'mallory' };

interface Route {
  path: string;
  valid: Record<string, unknown>;
  amountFields: string[];
  idFields: string[];
}

const ROUTES: Route[] = [
  { path: '/v1/wallets', valid: { kind: 'individual' }, amountFields: [], idFields: ['kind'] },
  { path: '/v1/wallets/me/cards', valid: { cardId: 'card-fuzz', holderName: realNameOf('fuzzer') }, amountFields: [], idFields: ['cardId'] },
  // Every bad kind or identity number is a 400 before the vault or the provider sees it (the fuzzer is verified already).
  { path: '/v1/wallets/me/verification', valid: verificationBodyOf('fuzzer'), amountFields: [], idFields: ['kind', 'idNumber'] },
  { path: '/v1/wallets/me/fundings', valid: { amount: 100, cardId: 'card-fuzz' }, amountFields: ['amount'], idFields: ['cardId'] },
  { path: '/v1/wallets/me/withdrawals', valid: { amount: 100, cardId: 'card-fuzz' }, amountFields: ['amount'], idFields: ['cardId'] },
  { path: '/v1/transfers', valid: { toUserId: 'fuzz-peer', amount: 100 }, amountFields: ['amount'], idFields: ['toUserId'] },
  { path: '/v1/tips', valid: { authorId: 'fuzz-peer', articleId: 'a1', amount: 600 }, amountFields: ['amount'], idFields: ['authorId', 'articleId'] },
  {
    path: '/v1/red-packets',
    valid: { amount: 100, shares: 2, mode: 'lucky' },
    amountFields: ['amount', 'shares'],
    idFields: ['mode'],
  },
];

describe('input fuzz of every route (full stack)', () => {
  let zan: Awaited<ReturnType<typeof startFullStackInProcess>>;
  let app: INestApplication;
  let fuzzer: Client;
  let store: EventStore;
  const tried: Record<string, number> = {};
  // Stream revisions, not the global head: the head may lag behind other suites' open transactions.
  const revisions = async () => Promise.all(['fuzzer', 'fuzz-peer'].map(async (user) => (await store.readStream(`wallet-${user}`)).length));

  beforeAll(async () => {
    zan = await startFullStackInProcess('fuzz');
    app = zan.app;
    store = app.get(EVENT_STORE);
    ({ client: fuzzer } = await fundedUser(app, 'fuzzer', 10_000));
    await clientFor(app, 'fuzzer').post('/v1/wallets/me/cards', ownCardOf('fuzzer', 'card-fuzz')).expect(201);
    await fundedUser(app, 'fuzz-peer', 0);
    await publishArticle(app, 'fuzz-peer', 'a1');
  }, 120_000);
  afterAll(async () => {
    console.log(`fuzz requests by class: ${JSON.stringify(tried)}`);
    await zan?.close();
  }, 60_000);

  const expectProblem = (response: request.Response, label: string) => {
    if (response.status < 400 || response.status >= 500) throw new Error(`${label}: answered ${response.status} ${JSON.stringify(response.body)}`);
    expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(response.body).toEqual(
      expect.objectContaining({ type: expect.any(String), title: expect.any(String), status: response.status, detail: expect.any(String) }),
    );
    const text = JSON.stringify(response.body);
    expect(text).not.toMatch(/\bat \S+ \(|\.ts:\d+|node_modules|Error:/);
  };

  const send = async (label: string, cls: string, path: string, body: unknown) => {
    tried[cls] = (tried[cls] ?? 0) + 1;
    const response = await fuzzer.post(path, body as object);
    expectProblem(response, `${label} ${JSON.stringify(body)?.slice(0, 80)}`);
  };

  it('refuses every bad amount, id and extra field on every POST, and nothing moves', async () => {
    const before = await revisions();
    for (const route of ROUTES) {
      for (const field of route.amountFields) {
        for (const [name, value] of AMOUNTS) await send(`${route.path} ${field}=${name}`, `amount:${name}`, route.path, { ...route.valid, [field]: value });
      }
      for (const field of route.idFields) {
        for (const [name, value] of IDS) await send(`${route.path} ${field}=${name}`, `id:${name}`, route.path, { ...route.valid, [field]: value });
      }
      for (const [field, value] of Object.entries(EXTRA))
        await send(`${route.path} +${field}`, `extra:${field}`, route.path, { ...route.valid, [field]: value });
      await send(`${route.path} []`, 'body:array', route.path, [route.valid]);
      await send(`${route.path} "text"`, 'body:string', route.path, 'just text');
    }
    expect(await revisions()).toEqual(before);
  }, 120_000);

  // v1.1: commerce, payments by code and group buys, on PostgreSQL. The same classes in every field,
  // from the buyer or the merchant the route is for; no stream of theirs moves.
  it('refuses every bad amount, count and id on the commerce and payment routes, and nothing moves', async () => {
    const { client: shop } = await fundedUser(app, 'fuzz-shop', 0, 'business');
    const productId = (await shop.post('/v1/merchants/me/products', { title: '拿铁', price: 500, stock: 50 }).expect(201)).body.productId as string;
    const orderId = (await fuzzer.post('/v1/orders', { productId, quantity: 1, expectedPrice: 500 }).expect(201)).body.orderId as string;
    const groupBuyId = (await shop.post('/v1/merchants/me/group-buys', { productId, groupPrice: 400, groupSize: 3, expiresInSeconds: 600 }).expect(201)).body
      .groupBuyId as string;
    const code = (await shop.post('/v1/merchants/me/payment-codes', {}).expect(201)).body.code as string;
    const streams = ['wallet-fuzzer', 'wallet-fuzz-shop', `product-${productId}`, `order-${orderId}`, `group-buy-${groupBuyId}`];
    const moved = async () => Promise.all(streams.map(async (stream) => (await store.readStream(stream)).length));
    const server = app.getHttpServer();
    const commerce: (Omit<Route, 'path'> & { path: string; method?: 'patch'; client: Client })[] = [
      { client: shop, path: '/v1/merchants/me/products', valid: { title: 't', price: 100 }, amountFields: ['price'], idFields: [] },
      { client: shop, path: `/v1/merchants/me/products/${productId}`, method: 'patch', valid: { price: 500 }, amountFields: ['price'], idFields: [] },
      {
        client: fuzzer,
        path: '/v1/orders',
        valid: { productId, quantity: 1, expectedPrice: 500 },
        amountFields: ['quantity', 'expectedPrice'],
        idFields: ['productId'],
      },
      { client: shop, path: `/v1/orders/${orderId}/refunds`, valid: { amount: 1 }, amountFields: ['amount'], idFields: [] },
      { client: fuzzer, path: `/v1/orders/${orderId}/rating`, valid: {}, amountFields: ['stars'], idFields: [] },
      { client: shop, path: '/v1/merchants/me/payment-codes', valid: { amount: 100 }, amountFields: ['amount', 'expiresInSeconds'], idFields: [] },
      { client: fuzzer, path: '/v1/payments', valid: { code, amount: 100 }, amountFields: ['amount'], idFields: ['code'] },
      {
        client: shop,
        path: '/v1/merchants/me/group-buys',
        valid: { productId, groupPrice: 400, groupSize: 2, expiresInSeconds: 600 },
        amountFields: ['groupPrice', 'groupSize', 'expiresInSeconds'],
        idFields: ['productId'],
      },
    ];
    const sendAs = async (route: (typeof commerce)[number], label: string, cls: string, body: unknown) => {
      tried[cls] = (tried[cls] ?? 0) + 1;
      const response =
        route.method === 'patch'
          ? await request(server)
              .patch(route.path)
              .set('Authorization', `Bearer ${route.client.token}`)
              .send(body as object)
          : await route.client.post(route.path, body as object);
      expectProblem(response, `${label} ${JSON.stringify(body)?.slice(0, 80)}`);
    };
    const before = await moved();
    for (const route of commerce) {
      for (const field of route.amountFields)
        for (const [name, value] of AMOUNTS) await sendAs(route, `${route.path} ${field}=${name}`, `amount:${name}`, { ...route.valid, [field]: value });
      for (const field of route.idFields)
        for (const [name, value] of IDS) await sendAs(route, `${route.path} ${field}=${name}`, `id:${name}`, { ...route.valid, [field]: value });
      for (const [field, value] of Object.entries(EXTRA)) await sendAs(route, `${route.path} +${field}`, `extra:${field}`, { ...route.valid, [field]: value });
      await sendAs(route, `${route.path} []`, 'body:array', [route.valid]);
    }
    expect(await moved()).toEqual(before);
  }, 120_000);

  it('refuses malformed JSON, NaN and huge numbers written as text', async () => {
    const before = await revisions();
    for (const raw of [
      '{"amount": NaN, "cardId": "card-fuzz"}',
      '{"amount": 1e400, "cardId": "card-fuzz"}',
      '{"amount":',
      '{"amount": 9223372036854775807, "cardId": "card-fuzz"}',
    ]) {
      tried['raw-json'] = (tried['raw-json'] ?? 0) + 1;
      const response = await request(app.getHttpServer())
        .post('/v1/wallets/me/fundings')
        .set('Authorization', `Bearer ${fuzzer.token}`)
        .set('Idempotency-Key', `raw-${raw.length}-${Math.random()}`)
        .set('Content-Type', 'application/json')
        .send(raw);
      expectProblem(response, raw);
    }
    expect(await revisions()).toEqual(before);
  }, 60_000);

  it('refuses bad ids, limits, cursors and positions on every query', async () => {
    const admin = clientFor(app, 'fuzz-admin', { roles: ['admin'] });
    const paths = [
      '/v1/wallets/..%2F..%2Fetc',
      `/v1/wallets/${'x'.repeat(10_240)}`,
      '/v1/wallets/%E7%94%A8%E6%88%B7',
      '/v1/authors/%00/earnings',
      '/v1/leaderboards/authors?limit=0',
      '/v1/leaderboards/authors?limit=-1',
      '/v1/leaderboards/authors?limit=1e3',
      '/v1/leaderboards/authors?limit=101',
      '/v1/leaderboards/authors?limit=abc',
      '/v1/red-packets/not-a-uuid',
      '/v1/red-packets/..%2F..',
      '/v1/feeds/me?limit=1000000',
      '/v1/feeds/me?before=%27%20OR%201%3D1',
      '/v1/feeds/me?before=AAAAAAAA',
      '/v1/wallets/me?after=-1',
      '/v1/wallets/me?after=1.5',
      '/v1/wallets/me?after=abc',
      '/v1/wallets/me?after=' + '9'.repeat(40),
    ];
    for (const path of paths) {
      tried['query'] = (tried['query'] ?? 0) + 1;
      expectProblem(await admin.get(path), path);
    }
  }, 60_000);

  it('answers 401 for missing, expired, malformed, wrongly signed and alg:none tokens', async () => {
    const server = app.getHttpServer();
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const bad = [
      undefined,
      'Bearer',
      'Basic Zm9vOmJhcg==',
      `Bearer ${tokenFor('fuzzer', TEST_JWT_SECRET, { expiresInS: -10 })}`,
      `Bearer ${tokenFor('fuzzer', 'the-wrong-secret-0123456789')}`,
      `Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'fuzzer' })}.`,
      `Bearer ${b64({ alg: 'HS512', typ: 'JWT' })}.${b64({ sub: 'fuzzer' })}.c2ln`,
      `Bearer ${tokenFor('../admin', TEST_JWT_SECRET)}`,
      `Bearer ${tokenFor('x'.repeat(500), TEST_JWT_SECRET)}`,
    ];
    for (const authorization of bad) {
      tried['auth'] = (tried['auth'] ?? 0) + 1;
      const req = request(server).get('/v1/wallets/me');
      if (authorization) req.set('Authorization', authorization);
      const response = await req;
      expect(response.status).toBe(401);
      expectProblem(response, String(authorization));
    }
    // A user can never read or spend another user's wallet.
    await clientFor(app, 'fuzz-peer').get('/v1/wallets/fuzzer').expect(403);
  }, 60_000);
});
