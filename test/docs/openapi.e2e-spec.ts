import request, { type Response, type Test } from 'supertest';
import { PROBLEM_CATALOG } from '../../apps/api/src/http/openapi';
import { PROBLEM_BASE } from '@zan/platform';
import { violations } from '../support/json-schema';
import { type Client, clientFor } from '../support/http-client';
import { ownCardOf, verificationBodyOf } from '../support/identity';
import { signCallback, startFakeKycProvider } from '../support/kyc-provider';
import { type RunningZan, startEmbeddedZan } from '../support/stacks';

type Schema = Record<string, any>;

/** Headers Zan sends on its own account: every one an answer carries must be declared on it. */
const ZAN_HEADER = /^(x-request-id|x-correlation-id|idempotent-replayed|retry-after.*|x-ratelimit-.*|www-authenticate|zan-position|zan-next-cursor)$/;
const RATE_LIMIT = 120;
const QUERY_RATE_LIMIT = 100;
const KYC_SECRET = 'openapi-walk-kyc-secret';

/**
 * The OpenAPI document against the real api: every route driven into every status it documents
 * (success, 400, 401, 403, 404, 409, 410, 422, 429, 503 where reachable; 413 and 415 on every route),
 * each answer checked against the document: its status is documented, its body conforms to the
 * documented schema (objects closed: no undocumented field), its problem type is one the route
 * lists, and every Zan header it carries is declared (and every required one carried).
 */
describe('the OpenAPI document describes every answer of every route', () => {
  let zan: RunningZan;
  let document: Schema;
  let provider: Awaited<ReturnType<typeof startFakeKycProvider>>;
  const answers: { method: string; route: string; response: Response }[] = [];

  /** A schema with its $refs resolved and objects closed, for test/support/json-schema.ts. */
  const resolve = (schema: Schema): Schema => {
    if (schema.$ref) return resolve(document.components.schemas[String(schema.$ref).split('/').pop()!]);
    const out: Schema = { ...schema };
    if (schema.items) out.items = resolve(schema.items);
    if (schema.properties) {
      out.properties = Object.fromEntries(Object.entries(schema.properties as Schema).map(([name, property]) => [name, resolve(property)]));
      out.additionalProperties ??= false;
    }
    if (typeof schema.additionalProperties === 'object') out.additionalProperties = resolve(schema.additionalProperties);
    return out;
  };

  const call = async (
    method: 'get' | 'post' | 'delete' | 'patch',
    route: string,
    path: string,
    build: (test: Test) => Test = (test) => test,
  ): Promise<Response> => {
    const response = await build(request(zan.app.getHttpServer())[method](path));
    answers.push({ method, route, response });
    return response;
  };
  /** A client's call on a route: with its token, a fresh Idempotency-Key unless `key` says otherwise. */
  const as = (
    client: Client | undefined,
    method: 'get' | 'post' | 'delete' | 'patch',
    route: string,
    options: { path?: string; body?: object; key?: string | null; query?: string } = {},
  ) =>
    call(method, route, `${options.path ?? route}${options.query ?? ''}`, (test) => {
      if (client) test.set('Authorization', `Bearer ${client.token}`);
      const key = options.key === undefined ? `k-${answers.length}-${Math.random()}` : options.key;
      if (method === 'post' && key !== null) test.set('Idempotency-Key', key);
      return options.body === undefined ? test : test.send(options.body);
    });

  beforeAll(async () => {
    provider = await startFakeKycProvider({ down: ['una'] });
    zan = await startEmbeddedZan({
      env: {
        ZAN_KYC_PROVIDER: 'http',
        ZAN_KYC_URL: provider.url,
        ZAN_KYC_CALLBACK_SECRET: KYC_SECRET,
        ZAN_RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT),
        ZAN_QUERY_RATE_LIMIT_PER_MINUTE: String(QUERY_RATE_LIMIT),
        ZAN_READ_WAIT_MS: '200',
        ZAN_CARDS_PER_WALLET: '2',
      },
    });
    document = (await request(zan.app.getHttpServer()).get('/docs/openapi.json').expect(200)).body;
  }, 120_000);
  afterAll(async () => {
    await zan?.close();
    await provider?.close();
  }, 60_000);

  it('drives every route into each status it documents', async () => {
    const alice = clientFor(zan.app, 'alice');
    const bob = clientFor(zan.app, 'bob');
    const carol = clientFor(zan.app, 'carol');
    const nina = clientFor(zan.app, 'nina'); // never opens a wallet
    const ops = clientFor(zan.app, 'ops', { roles: ['admin'] });
    const rita = clientFor(zan.app, 'rita'); // spends her rate limit
    const una = clientFor(zan.app, 'una'); // the verification provider is down for her

    // Wallets and cards.
    expect((await as(alice, 'post', '/v1/wallets', { body: { kind: 'individual' }, key: 'open-alice' })).status).toBe(201);
    expect((await as(alice, 'post', '/v1/wallets', { body: { kind: 'individual' }, key: 'open-alice' })).headers['idempotent-replayed']).toBe('true');
    expect((await as(alice, 'post', '/v1/wallets', { body: { kind: 'business' }, key: 'open-alice' })).status).toBe(409);
    expect((await as(alice, 'post', '/v1/wallets', { body: { kind: 'business' } })).status).toBe(409);
    expect((await as(alice, 'post', '/v1/wallets', { body: {} })).status).toBe(400);
    expect((await as(undefined, 'post', '/v1/wallets', { body: { kind: 'individual' } })).status).toBe(401);
    for (const client of [bob, carol]) expect((await as(client, 'post', '/v1/wallets', { body: { kind: 'individual' } })).status).toBe(201);
    // Verification (the http provider here, so both answers are met): pending, the signed callback, then
    // asked again the standing answer; an admin's decision; the provider down; the wrong kind; another person.
    const verification = '/v1/wallets/me/verification';
    expect((await as(alice, 'post', verification, { body: verificationBodyOf('alice') })).status).toBe(202);
    const answer = JSON.stringify({ verificationId: provider.askedAbout('alice')!.verificationId, userId: 'alice', decision: 'verified' });
    const callback = (raw: string, signature?: string) =>
      call('post', '/v1/verification-callbacks', '/v1/verification-callbacks', (test) => {
        const signed = test.set('Content-Type', 'application/json');
        return (signature === undefined ? signed : signed.set('X-Zan-Signature', signature)).send(raw);
      });
    expect((await callback(answer, signCallback(KYC_SECRET, answer))).status).toBe(204);
    expect((await callback(answer, 'f'.repeat(64))).status).toBe(401);
    expect((await callback(answer)).status).toBe(401);
    expect((await callback('{"decision":"verified"}', signCallback(KYC_SECRET, '{"decision":"verified"}'))).status).toBe(400);
    expect((await as(alice, 'post', verification, { body: verificationBodyOf('alice') })).status).toBe(201);
    expect((await as(alice, 'post', verification, { body: { ...verificationBodyOf('alice'), realName: '别人' } })).status).toBe(409);
    expect((await as(alice, 'post', verification, { body: verificationBodyOf('alice', 'business') })).status).toBe(422);
    expect((await as(alice, 'post', verification, { body: { kind: 'individual' } })).status).toBe(400);
    expect((await as(undefined, 'post', verification, { body: verificationBodyOf('alice') })).status).toBe(401);
    expect((await as(una, 'post', verification, { body: verificationBodyOf('una') })).status).toBe(503);
    // bob's request stays pending until an admin decides it (an admin-verified wallet that never asked names nobody: no card of it is personal).
    expect((await as(bob, 'post', verification, { body: verificationBodyOf('bob') })).status).toBe(202);
    const decide = '/v1/admin/wallets/{userId}/verification';
    for (const client of [bob, carol])
      expect((await as(ops, 'post', decide, { path: `/v1/admin/wallets/${client.userId}/verification`, body: { decision: 'verified' } })).status).toBe(201);
    expect((await as(ops, 'post', decide, { path: '/v1/admin/wallets/nina/verification', body: { decision: 'verified' } })).status).toBe(404);
    expect((await as(ops, 'post', decide, { path: '/v1/admin/wallets/bob/verification', body: { decision: 'maybe' } })).status).toBe(400);
    expect((await as(bob, 'post', decide, { path: '/v1/admin/wallets/bob/verification', body: { decision: 'verified' } })).status).toBe(403);
    expect((await as(undefined, 'post', decide, { path: '/v1/admin/wallets/bob/verification', body: { decision: 'verified' } })).status).toBe(401);

    for (const client of [alice, bob, carol]) {
      expect((await as(client, 'post', '/v1/wallets/me/cards', { body: ownCardOf(client.userId) })).status).toBe(201);
    }
    expect((await as(alice, 'post', '/v1/wallets/me/cards', { body: { cardId: 'card-alice', holderName: '别人' } })).status).toBe(409);
    expect((await as(carol, 'post', '/v1/wallets/me/cards', { body: ownCardOf('carol', 'card-carol-2') })).status).toBe(201);
    expect((await as(carol, 'post', '/v1/wallets/me/cards', { body: ownCardOf('carol', 'card-carol-3') })).status).toBe(422);
    expect((await as(alice, 'post', '/v1/wallets/me/cards', { body: {} })).status).toBe(400);
    expect((await as(undefined, 'post', '/v1/wallets/me/cards', { body: ownCardOf('alice', 'c') })).status).toBe(401);

    // Articles: publish (201, again 200, another author 409), likes (201, again 200), unlike (204 liked or not).
    const articles = '/v1/articles';
    expect((await as(bob, 'post', articles, { body: { articleId: 'why-zan', title: '为什么是赞' }, key: null })).status).toBe(201);
    expect((await as(bob, 'post', articles, { body: { articleId: 'why-zan', title: 'again' }, key: null })).status).toBe(200);
    expect((await as(alice, 'post', articles, { body: { articleId: 'why-zan', title: 'mine' } })).status).toBe(409);
    expect((await as(alice, 'post', articles, { body: { articleId: 'why-zan', title: 'bell\u0007' } })).status).toBe(400);
    expect((await as(undefined, 'post', articles, { body: { articleId: 'why-zan', title: 't' } })).status).toBe(401);
    const likes = '/v1/articles/{id}/likes';
    const likeOf = (client: Client | undefined, id: string) => as(client, 'post', likes, { path: `/v1/articles/${id}/likes`, key: null });
    expect((await likeOf(alice, 'why-zan')).status).toBe(201);
    expect((await likeOf(alice, 'why-zan')).status).toBe(200);
    expect((await likeOf(alice, 'nope')).status).toBe(404);
    expect((await likeOf(alice, '..bad')).status).toBe(400);
    expect((await likeOf(undefined, 'why-zan')).status).toBe(401);
    const mine = '/v1/articles/{id}/likes/me';
    const unlikeOf = (client: Client | undefined, id: string) => as(client, 'delete', mine, { path: `/v1/articles/${id}/likes/me` });
    expect((await likeOf(carol, 'why-zan')).status).toBe(201);
    expect((await unlikeOf(carol, 'why-zan')).status).toBe(204);
    expect((await unlikeOf(carol, 'why-zan')).status).toBe(204);
    expect((await unlikeOf(carol, 'nope')).status).toBe(404);
    expect((await unlikeOf(carol, '..bad')).status).toBe(400);
    expect((await unlikeOf(undefined, 'why-zan')).status).toBe(401);

    // Money: each route's success, validation, missing key, reused key, unknown wallet, refusal, no token.
    const fund = { amount: 50_000, cardId: 'card-alice' };
    const money: [string, Client, object, object, number][] = [
      ['/v1/wallets/me/fundings', alice, fund, { amount: 10_000_000, cardId: 'card-alice' }, 422],
      ['/v1/wallets/me/withdrawals', alice, { amount: 100, cardId: 'card-alice' }, { amount: 100, cardId: 'card-none' }, 422],
      ['/v1/transfers', alice, { toUserId: 'bob', amount: 100 }, { toUserId: 'alice', amount: 100 }, 422],
      ['/v1/tips', alice, { authorId: 'bob', articleId: 'why-zan', amount: 888 }, { authorId: 'bob', articleId: 'why-zan', amount: 100 }, 422],
      ['/v1/red-packets', alice, { amount: 1_000, shares: 1, mode: 'lucky' }, { amount: 1, shares: 2, mode: 'equal' }, 422],
    ];
    let position = '0';
    for (const [route, client, body, refused, refusal] of money) {
      const ok = await as(client, 'post', route, { body, key: `ok-${route}` });
      expect([route, ok.status]).toEqual([route, 201]);
      position = ok.body.position;
      expect((await as(client, 'post', route, { body: refused })).status).toBe(refusal);
      expect((await as(client, 'post', route, { body: {} })).status).toBe(400);
      expect((await as(client, 'post', route, { body, key: null })).status).toBe(400);
      expect((await as(client, 'post', route, { body, key: 'bad\u00e9key' })).status).toBe(400);
      expect((await as(client, 'post', route, { body: refused, key: `ok-${route}` })).status).toBe(409);
      await as(nina, 'post', route, { body }); // a wallet opens on first use: what happens then is the route's own answer
      expect((await as(undefined, 'post', route, { body })).status).toBe(401);
    }

    // Red packets: claims that win, come twice, come late, are not invited, name no packet.
    expect((await as(alice, 'post', '/v1/transfers', { body: { toUserId: 'nobody', amount: 100 } })).status).toBe(404);
    expect((await as(alice, 'post', '/v1/tips', { body: { authorId: 'bob', articleId: 'unpublished', amount: 888 } })).status).toBe(404);
    const claims = '/v1/red-packets/{id}/claims';
    const send = async (body: object) => {
      const sent = await as(alice, 'post', '/v1/red-packets', { body });
      expect(sent.status).toBe(201);
      return sent.body.redPacketId as string;
    };
    const one = await send({ amount: 300, shares: 1, mode: 'equal' });
    const invited = await send({ amount: 300, shares: 1, mode: 'equal', recipients: ['carol'] });
    const claim = (client: Client | undefined, id: string, key?: string | null) => as(client, 'post', claims, { path: `/v1/red-packets/${id}/claims`, key });
    expect((await claim(bob, one, 'claim-bob')).status).toBe(201);
    expect((await claim(bob, one)).status).toBe(409);
    expect((await claim(bob, invited, 'claim-bob')).status).toBe(409);
    expect((await claim(carol, one)).status).toBe(410);
    expect((await claim(bob, invited)).status).toBe(403);
    expect((await claim(bob, '00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await claim(bob, one, null)).status).toBe(400);
    expect((await claim(undefined, one)).status).toBe(401);
    const last = await claim(carol, invited);
    expect(last.status).toBe(201);
    position = last.body.position;

    // Commerce: a merchant (a business whose request an admin verified) lists, reprices, delists; alice buys, rates, is refunded.
    const mia = clientFor(zan.app, 'mia');
    expect((await as(mia, 'post', '/v1/wallets', { body: { kind: 'business' } })).status).toBe(201);
    expect((await as(mia, 'post', verification, { body: verificationBodyOf('mia', 'business') })).status).toBe(202);
    expect((await as(ops, 'post', decide, { path: '/v1/admin/wallets/mia/verification', body: { decision: 'verified' } })).status).toBe(201);
    const products = '/v1/merchants/me/products';
    const listed = await as(mia, 'post', products, { body: { title: '拿铁', price: 1_000, stock: 2 }, key: 'list-mia' });
    expect(listed.status).toBe(201);
    expect((await as(mia, 'post', products, { body: { title: '拿铁', price: 999, stock: 2 }, key: 'list-mia' })).status).toBe(409);
    const productId = listed.body.productId as string;
    expect((await as(alice, 'post', products, { body: { title: '拿铁', price: 1_000 } })).status).toBe(422);
    expect((await as(mia, 'post', products, { body: { title: '', price: 1_000 } })).status).toBe(400);
    expect((await as(undefined, 'post', products, { body: { title: 't', price: 1 } })).status).toBe(401);
    const product = '/v1/merchants/me/products/{id}';
    const gone = (await as(mia, 'post', products, { body: { title: '旧', price: 100 } })).body.productId as string;
    expect((await as(mia, 'patch', product, { path: `${products}/${productId}`, body: { price: 1_200 } })).status).toBe(200);
    expect((await as(alice, 'patch', product, { path: `${products}/${productId}`, body: { price: 1 } })).status).toBe(403);
    expect((await as(mia, 'patch', product, { path: `${products}/00000000-0000-4000-8000-000000000000`, body: { price: 1 } })).status).toBe(404);
    expect((await as(undefined, 'patch', product, { path: `${products}/${productId}`, body: { price: 1 } })).status).toBe(401);
    expect((await as(alice, 'delete', product, { path: `${products}/${gone}` })).status).toBe(403);
    expect((await as(mia, 'delete', product, { path: `${products}/${gone}` })).status).toBe(204);
    expect((await as(mia, 'delete', product, { path: `${products}/not-a-uuid` })).status).toBe(404);
    expect((await as(undefined, 'delete', product, { path: `${products}/${gone}` })).status).toBe(401);
    expect((await as(mia, 'patch', product, { path: `${products}/${gone}`, body: { price: 1 } })).status).toBe(410);
    const orders = '/v1/orders';
    const bought = await as(alice, 'post', orders, { body: { productId, quantity: 2, expectedPrice: 1_200 }, key: 'buy-alice' });
    expect(bought.status).toBe(201);
    const orderId = bought.body.orderId as string;
    expect((await as(alice, 'post', orders, { body: { productId, quantity: 1, expectedPrice: 1_000 } })).status).toBe(409);
    expect((await as(alice, 'post', orders, { body: { productId, quantity: 1, expectedPrice: 1_200 } })).status).toBe(410);
    expect((await as(carol, 'post', orders, { body: { productId: gone, quantity: 1, expectedPrice: 100 } })).status).toBe(410);
    expect((await as(alice, 'post', orders, { body: { productId: '00000000-0000-4000-8000-000000000000', quantity: 1, expectedPrice: 1 } })).status).toBe(404);
    expect((await as(mia, 'post', orders, { body: { productId, quantity: 1, expectedPrice: 1_200 } })).status).toBe(422);
    expect((await as(undefined, 'post', orders, { body: { productId, quantity: 1, expectedPrice: 1 } })).status).toBe(401);
    const refunds = '/v1/orders/{id}/refunds';
    const refundOf = (client: Client | undefined, id: string, body: object, key?: string | null) =>
      as(client, 'post', refunds, { path: `/v1/orders/${id}/refunds`, body, key });
    expect((await refundOf(mia, orderId, { amount: 1_000 }, 'refund-mia')).status).toBe(201);
    expect((await refundOf(mia, orderId, { amount: 999 }, 'refund-mia')).status).toBe(409);
    expect((await refundOf(mia, orderId, { amount: 1_401 })).status).toBe(422);
    expect((await refundOf(alice, orderId, { amount: 1 })).status).toBe(403);
    expect((await refundOf(mia, '00000000-0000-4000-8000-000000000000', { amount: 1 })).status).toBe(404);
    expect((await refundOf(undefined, orderId, { amount: 1 })).status).toBe(401);
    const rating = '/v1/orders/{id}/rating';
    const rate = (client: Client | undefined, id: string) => as(client, 'post', rating, { path: `/v1/orders/${id}/rating`, body: { stars: 5 }, key: null });
    expect((await rate(mia, orderId)).status).toBe(403);
    expect((await rate(alice, '00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await rate(undefined, orderId)).status).toBe(401);
    const rated = await rate(alice, orderId);
    expect(rated.status).toBe(201);
    expect((await rate(alice, orderId)).status).toBe(409);
    position = rated.body.position;

    // Paying by code: a merchant (a business wallet verified as one) issues codes; payers pay them.
    const shop = clientFor(zan.app, 'shop');
    expect((await as(shop, 'post', '/v1/wallets', { body: { kind: 'business' } })).status).toBe(201);
    expect((await as(shop, 'post', verification, { body: verificationBodyOf('shop', 'business') })).status).toBe(202);
    expect((await as(ops, 'post', decide, { path: '/v1/admin/wallets/shop/verification', body: { decision: 'verified' } })).status).toBe(201);
    const codes = '/v1/merchants/me/payment-codes';
    const issued = await as(shop, 'post', codes, { body: { amount: 500, reference: 'INV-1' }, key: 'code-1' });
    expect(issued.status).toBe(201);
    const staticCode = (await as(shop, 'post', codes, { body: {}, key: null })).body.code as string;
    expect((await as(shop, 'post', codes, { body: { amount: 501 }, key: 'code-1' })).status).toBe(409);
    expect((await as(shop, 'post', codes, { body: { amount: 10_000_000 } })).status).toBe(422);
    expect((await as(alice, 'post', codes, { body: {} })).status).toBe(422);
    expect((await as(shop, 'post', codes, { body: { expiresInSeconds: 0 } })).status).toBe(400);
    expect((await as(undefined, 'post', codes, { body: {} })).status).toBe(401);
    const payments = '/v1/payments';
    const paid = await as(alice, 'post', payments, { body: { code: issued.body.code }, key: 'pay-1' });
    expect(paid.status).toBe(201);
    position = paid.body.position;
    expect((await as(bob, 'post', payments, { body: { code: issued.body.code } })).status).toBe(410);
    expect((await as(alice, 'post', payments, { body: { code: 'no-such-code', amount: 1 } })).status).toBe(404);
    expect((await as(alice, 'post', payments, { body: { code: staticCode } })).status).toBe(422);
    expect((await as(alice, 'post', payments, { body: { code: staticCode, amount: 1 }, key: 'pay-1' })).status).toBe(409);
    expect((await as(alice, 'post', payments, { body: { code: 5 } })).status).toBe(400);
    expect((await as(alice, 'post', payments, { body: { code: staticCode, amount: 1 }, key: null })).status).toBe(400);
    expect((await as(alice, 'post', payments, { body: { code: staticCode, amount: 1 }, key: 'bad\u00e9key' })).status).toBe(400);
    expect((await as(undefined, 'post', payments, { body: { code: staticCode, amount: 1 } })).status).toBe(401);
    // Group buys: mia opens a deal of two on her product; alice and carol fill it, bob is too late.
    const groupBuys = '/v1/merchants/me/group-buys';
    // A deal takes its units from the stock: on a product of its own (the one above is sold out, a 410 for a deal too).
    const dealProduct = (await as(mia, 'post', products, { body: { title: '月饼', price: 300, stock: 2 }, key: 'list-mia-deal' })).body.productId as string;
    const deal = { productId: dealProduct, groupPrice: 100, groupSize: 2, expiresInSeconds: 3_600 };
    expect((await as(mia, 'post', groupBuys, { body: { ...deal, productId } })).status).toBe(410);
    const openedDeal = await as(mia, 'post', groupBuys, { body: deal, key: 'deal-mia' });
    expect(openedDeal.status).toBe(201);
    expect((await as(mia, 'post', groupBuys, { body: { ...deal, groupSize: 3 }, key: 'deal-mia' })).status).toBe(409);
    const groupBuyId = openedDeal.body.groupBuyId as string;
    expect((await as(alice, 'post', groupBuys, { body: deal })).status).toBe(422);
    expect((await as(mia, 'post', groupBuys, { body: { ...deal, groupSize: 1 } })).status).toBe(400);
    expect((await as(mia, 'post', groupBuys, { body: { ...deal, productId: '00000000-0000-4000-8000-000000000000' } })).status).toBe(404);
    expect((await as(mia, 'post', groupBuys, { body: { ...deal, productId: gone } })).status).toBe(410);
    expect((await as(undefined, 'post', groupBuys, { body: deal })).status).toBe(401);
    const joins = '/v1/group-buys/{id}/joins';
    const joinAs = (client: Client | undefined, id: string, key?: string | null) => as(client, 'post', joins, { path: `/v1/group-buys/${id}/joins`, key });
    expect((await joinAs(alice, groupBuyId, 'join-alice')).status).toBe(201);
    expect((await joinAs(alice, groupBuyId)).status).toBe(409);
    expect((await joinAs(nina, groupBuyId)).status).toBe(422);
    expect((await joinAs(alice, '00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await joinAs(alice, groupBuyId, null)).status).toBe(400);
    expect((await joinAs(undefined, groupBuyId)).status).toBe(401);
    const completing = await joinAs(carol, groupBuyId);
    expect(completing.status).toBe(201);
    position = completing.body.position;
    expect((await joinAs(bob, groupBuyId)).status).toBe(410);

    // 429: rita spends her minute, then every money-moving route refuses her.
    for (let i = 0; i < RATE_LIMIT; i++)
      await request(zan.app.getHttpServer()).post('/v1/transfers').set('Authorization', `Bearer ${rita.token}`).set('Idempotency-Key', `r-${i}`).send({});
    for (const route of [
      '/v1/wallets/me/verification',
      '/v1/wallets/me/cards',
      '/v1/wallets/me/fundings',
      '/v1/wallets/me/withdrawals',
      '/v1/transfers',
      '/v1/tips',
      '/v1/red-packets',
      '/v1/merchants/me/payment-codes',
      '/v1/payments',
    ]) {
      expect((await as(rita, 'post', route, { body: {} })).status).toBe(429);
    }
    expect((await claim(rita, one)).status).toBe(429);
    expect((await as(rita, 'post', '/v1/orders', { body: {} })).status).toBe(429);
    expect((await as(rita, 'post', '/v1/group-buys/{id}/joins', { path: `/v1/group-buys/${groupBuyId}/joins` })).status).toBe(429);
    expect((await as(rita, 'post', '/v1/orders/{id}/refunds', { path: `/v1/orders/${orderId}/refunds`, body: {} })).status).toBe(429);
    // Routes that append events without moving money count against the same budget.
    const pid = '00000000-0000-4000-8000-000000000000';
    expect((await as(rita, 'post', '/v1/articles', { body: {}, key: null })).status).toBe(429);
    expect((await as(rita, 'post', '/v1/articles/{id}/likes', { path: '/v1/articles/x/likes', key: null })).status).toBe(429);
    expect((await as(rita, 'delete', '/v1/articles/{id}/likes/me', { path: '/v1/articles/x/likes/me' })).status).toBe(429);
    expect((await as(rita, 'post', '/v1/merchants/me/products', { body: {}, key: null })).status).toBe(429);
    expect((await as(rita, 'patch', '/v1/merchants/me/products/{id}', { path: `/v1/merchants/me/products/${pid}`, body: {} })).status).toBe(429);
    expect((await as(rita, 'delete', '/v1/merchants/me/products/{id}', { path: `/v1/merchants/me/products/${pid}` })).status).toBe(429);
    expect((await as(rita, 'post', '/v1/orders/{id}/rating', { path: `/v1/orders/${orderId}/rating`, body: {}, key: null })).status).toBe(429);
    expect((await as(rita, 'post', '/v1/merchants/me/group-buys', { body: {}, key: null })).status).toBe(429);

    // Queries: an answer once the write is read, a bad parameter, no such thing, a write not yet read, no token.
    const after = `?after=${position}`;
    const future = '?after=999999999999999';
    const queries: [string, string, Client, number?, string?][] = [
      ['/v1/wallets/me', '/v1/wallets/me', alice, 404],
      ['/v1/wallets/{userId}', '/v1/wallets/alice', ops, 404, '/v1/wallets/nina'],
      ['/v1/authors/{authorId}/earnings', '/v1/authors/bob/earnings', alice],
      ['/v1/leaderboards/authors', '/v1/leaderboards/authors', alice],
      ['/v1/red-packets/{id}', `/v1/red-packets/${one}`, alice, 404, '/v1/red-packets/00000000-0000-4000-8000-000000000000'],
      ['/v1/feeds/me', '/v1/feeds/me', bob],
      ['/v1/articles/{id}', '/v1/articles/why-zan', alice, 404, '/v1/articles/nope'],
      ['/v1/articles/{id}/praisers', '/v1/articles/why-zan/praisers', alice, 404, '/v1/articles/nope/praisers'],
      ['/v1/products/{id}', `/v1/products/${productId}`, alice, 404, '/v1/products/00000000-0000-4000-8000-000000000000'],
      ['/v1/orders/me', '/v1/orders/me', alice],
      ['/v1/merchants/me/orders', '/v1/merchants/me/orders', mia],
      ['/v1/merchants/me/sales', '/v1/merchants/me/sales', mia],
      ['/v1/group-buys/{id}', `/v1/group-buys/${groupBuyId}`, bob, 404, '/v1/group-buys/00000000-0000-4000-8000-000000000000'],
    ];
    for (const [route, path, client, missing, missingPath] of queries) {
      expect([route, (await as(client, 'get', route, { path, query: after })).status]).toEqual([route, 200]);
      expect((await as(client, 'get', route, { path, query: '?after=x1' })).status).toBe(400);
      expect((await as(client, 'get', route, { path, query: future })).status).toBe(503);
      expect((await as(undefined, 'get', route, { path })).status).toBe(401);
      if (missing) expect((await as(route === '/v1/wallets/me' ? nina : client, 'get', route, { path: missingPath ?? path })).status).toBe(missing);
    }
    expect((await as(alice, 'get', '/v1/wallets/{userId}', { path: '/v1/wallets/bob' })).status).toBe(403);

    // Webhook endpoints (admin only): each route's success, its bad input, an unknown endpoint, a user (403), no token (401).
    const hooks = '/v1/webhooks/endpoints';
    const hookBody = { url: 'https://platform.example/hooks', events: ['TipReceived'] };
    const created = await as(ops, 'post', hooks, { body: hookBody, key: null });
    expect(created.status).toBe(201);
    expect((await as(ops, 'post', hooks, { body: { ...hookBody, url: 'ftp://platform.example/' }, key: null })).status).toBe(400);
    expect((await as(alice, 'post', hooks, { body: hookBody, key: null })).status).toBe(403);
    expect((await as(undefined, 'post', hooks, { body: hookBody, key: null })).status).toBe(401);
    expect((await as(ops, 'get', hooks)).status).toBe(200);
    expect((await as(alice, 'get', hooks)).status).toBe(403);
    expect((await as(undefined, 'get', hooks)).status).toBe(401);
    const hook = (id: string, suffix: string) => `${hooks}/${id}${suffix}`;
    const noHook = '00000000-0000-4000-8000-000000000000';
    const hookRoutes: [string, 'get' | 'post' | 'delete', string, number, object?, object?][] = [
      [`${hooks}/{id}/deliveries`, 'get', '/deliveries', 200, undefined, undefined],
      [`${hooks}/{id}/replays`, 'post', '/replays', 202, { after: '0' }, { after: 'x' }],
      [`${hooks}/{id}/secret-rotations`, 'post', '/secret-rotations', 201, undefined, undefined],
      [`${hooks}/{id}/enable`, 'post', '/enable', 204, undefined, undefined],
      [`${hooks}/{id}`, 'delete', '', 204, undefined, undefined],
    ];
    // ?after= as on every other query.
    for (const [route, path] of [
      [hooks, hooks],
      [`${hooks}/{id}/deliveries`, hook(created.body.endpointId, '/deliveries')],
    ] as const) {
      expect([route, (await as(ops, 'get', route, { path, query: after })).status]).toEqual([route, 200]);
      expect([route, (await as(ops, 'get', route, { path, query: '?after=x1' })).status]).toEqual([route, 400]);
      expect([route, (await as(ops, 'get', route, { path, query: future })).status]).toEqual([route, 503]);
    }
    for (const [route, method, suffix, success, body, badBody] of hookRoutes) {
      expect([route, (await as(ops, method, route, { path: hook(noHook, suffix), body, key: null })).status]).toEqual([route, 404]);
      expect([route, (await as(alice, method, route, { path: hook(created.body.endpointId, suffix), body, key: null })).status]).toEqual([route, 403]);
      expect([route, (await as(undefined, method, route, { path: hook(created.body.endpointId, suffix), body, key: null })).status]).toEqual([route, 401]);
      if (badBody)
        expect([route, (await as(ops, method, route, { path: hook(created.body.endpointId, suffix), body: badBody, key: null })).status]).toEqual([route, 400]);
      expect([route, (await as(ops, method, route, { path: hook(created.body.endpointId, suffix), body, key: null })).status]).toEqual([route, success]);
    }
    expect((await as(ops, 'get', `${hooks}/{id}/deliveries`, { path: hook(noHook, '/deliveries'), query: '?limit=0' })).status).toBe(400);

    // The dashboard's figures (admin only): an answer, a bad range, another user, no token.
    const stats = ['daily', 'hourly', 'top-authors', 'top-articles', 'red-packet-luck', 'merchant-sales', 'money', 'throughput'].map(
      (name) => `/v1/admin/stats/${name}`,
    );
    for (const route of stats) {
      expect([route, (await as(ops, 'get', route)).status]).toEqual([route, 200]);
      if (!/money|throughput/.test(route)) expect([route, (await as(ops, 'get', route, { query: '?from=2026-02-30' })).status]).toEqual([route, 400]);
      // ?after= as on every other query (CONTRACT.md v1.1: "`?after=` on every query").
      expect([route, (await as(ops, 'get', route, { query: after })).status]).toEqual([route, 200]);
      expect([route, (await as(ops, 'get', route, { query: '?after=x1' })).status]).toEqual([route, 400]);
      expect([route, (await as(ops, 'get', route, { query: future })).status]).toEqual([route, 503]);
      expect([route, (await as(alice, 'get', route)).status]).toEqual([route, 403]);
      expect((await as(undefined, 'get', route)).status).toBe(401);
    }

    // 429: quinn spends her minute of queries, then every query refuses her.
    const quinn = clientFor(zan.app, 'quinn', { roles: ['admin'] });
    for (let i = 0; i < QUERY_RATE_LIMIT; i++)
      await request(zan.app.getHttpServer()).get('/v1/leaderboards/authors').set('Authorization', `Bearer ${quinn.token}`);
    for (const [route, path] of queries) expect([route, (await as(quinn, 'get', route, { path })).status]).toEqual([route, 429]);
    expect((await as(quinn, 'get', hooks)).status).toBe(429);
    expect((await as(quinn, 'get', '/v1/group-buys/{id}', { path: '/v1/group-buys/00000000-0000-4000-8000-000000000000' })).status).toBe(429);
    expect((await as(quinn, 'get', `${hooks}/{id}/deliveries`, { path: hook(noHook, '/deliveries') })).status).toBe(429);
    for (const route of stats) expect([route, (await as(quinn, 'get', route)).status]).toEqual([route, 429]);

    // Shredding a user's personal data (admin only).
    const shred = '/v1/admin/users/{userId}/personal-data';
    const shredAs = (client: Client | undefined, userId: string) =>
      call('delete', shred, `/v1/admin/users/${userId}/personal-data`, (test) => (client ? test.set('Authorization', `Bearer ${client.token}`) : test));
    expect((await shredAs(ops, 'una')).status).toBe(204);
    expect((await shredAs(ops, 'bad id!')).status).toBe(400);
    expect((await shredAs(alice, 'una')).status).toBe(403);
    expect((await shredAs(undefined, 'una')).status).toBe(401);

    // Operations' own routes.
    for (const route of ['/health/live', '/health/ready', '/metrics']) expect((await as(undefined, 'get', route)).status).toBe(200);

    // Before any handler: a body that is not JSON or nests too deep, one over 64 kB, one in a charset or encoding Zan does not read, on every route.
    // An admin's token: the caller is authenticated (and an admin route's role checked) before the body is read.
    const routes = Object.entries(document.paths as Record<string, Schema>).flatMap(([route, item]) =>
      Object.keys(item).map((method) => [method, route] as const),
    );
    for (const [method, route] of routes) {
      const path = route.replace('{id}', one).replace('{userId}', 'alice').replace('{authorId}', 'bob');
      const send = (type: string, body: string, headers: Record<string, string> = {}) =>
        call(method as 'get' | 'post' | 'delete', route, path, (test) =>
          test.set('Authorization', `Bearer ${ops.token}`).set('Idempotency-Key', `raw-${answers.length}`).set(headers).set('Content-Type', type).send(body),
        );
      expect((await send('application/json', '{"amount": 1,')).status).toBe(400);
      expect((await send('application/json', `{"a":${'['.repeat(40)}${']'.repeat(40)}}`)).status).toBe(400);
      expect((await send('application/json', JSON.stringify({ note: 'x'.repeat(70_000) }))).status).toBe(413);
      expect((await send('application/json; charset=latin1', '{}')).status).toBe(415);
      expect((await send('application/json', '{}', { 'Content-Encoding': 'compress' })).status).toBe(415);
    }

    // Every status a route documents was met (but its 500, a 503 that only an outage of Redis gives, and a readiness probe's 503).
    const outageOnly = (response: Schema) => response.description === '`https://zan.dev/problems/unavailable`';
    const unmet = routes.flatMap(([method, route]) => {
      const met = new Set(answers.filter((a) => a.method === method && a.route === route).map((a) => String(a.response.status)));
      const responses = document.paths[route][method].responses;
      const documented = Object.keys(responses).filter(
        (status) => status !== '500' && !(status === '503' && (route === '/health/ready' || outageOnly(responses[status]))),
      );
      return documented.filter((status) => !met.has(status)).map((status) => `${method.toUpperCase()} ${route} ${status}`);
    });
    expect(unmet).toEqual([]);
  }, 120_000);

  it('documents each answer: its status, its body, its problem type and title, its headers', () => {
    expect(answers.length).toBeGreaterThan(150);
    const wrong: string[] = [];
    for (const { method, route, response } of answers) {
      const at = `${method.toUpperCase()} ${route} ${response.status}`;
      const documented = document.paths[route]?.[method]?.responses?.[String(response.status)];
      if (!documented) {
        wrong.push(`${at}: not documented (${response.text.slice(0, 200)})`);
        continue;
      }
      const type = String(response.headers['content-type'] ?? '').split(';')[0]!;
      const content = documented.content?.[type];
      if (response.status === 204) {
        if (response.text || documented.content) wrong.push(`${at}: a 204 with a body`);
      } else if (!content) wrong.push(`${at}: ${type} not documented`);
      else if (!content.schema) wrong.push(`${at}: no schema`);
      else if (type.endsWith('json')) {
        for (const violation of violations(resolve(content.schema), response.body)) wrong.push(`${at}: ${violation}`);
      }
      if (type === 'application/problem+json') {
        const code = String(response.body.type).replace(PROBLEM_BASE, '');
        if (!content?.examples?.[code]) wrong.push(`${at}: problem ${code} not listed (${Object.keys(content?.examples ?? {}).join(', ')})`);
        if (response.body.status !== response.status || response.body.title !== PROBLEM_CATALOG[code]?.title)
          wrong.push(`${at}: ${JSON.stringify(response.body)}`);
      }
      const declared = Object.entries((documented.headers ?? {}) as Record<string, Schema>).map(([name, header]) => {
        const resolved = header.$ref ? document.components.headers[String(header.$ref).split('/').pop()!] : header;
        return { name: name.toLowerCase(), required: resolved?.required === true };
      });
      for (const name of Object.keys(response.headers).filter((h) => ZAN_HEADER.test(h))) {
        if (!declared.some((d) => d.name === name)) wrong.push(`${at}: header ${name} not declared`);
      }
      for (const { name } of declared.filter((d) => d.required)) if (!(name in response.headers)) wrong.push(`${at}: required header ${name} missing`);
    }
    expect([...new Set(wrong)]).toEqual([]);
  });

  it('lists the Idempotency-Key problems on every route that takes the key', () => {
    const missing = Object.entries(document.paths as Record<string, Schema>).flatMap(([route, item]) =>
      Object.entries(item as Record<string, Schema>)
        .filter(([, operation]) => (operation.parameters ?? []).some((parameter: Schema) => parameter.name === 'Idempotency-Key'))
        .flatMap(([method, operation]) => {
          const listed = ['400', '409'].flatMap((status) => Object.keys(operation.responses[status]?.content?.['application/problem+json']?.examples ?? {}));
          return ['idempotency-key-invalid', 'idempotency-key-reused', 'request-in-progress']
            .filter((code) => !listed.includes(code))
            .map((code) => `${method.toUpperCase()} ${route} ${code}`);
        }),
    );
    expect(missing).toEqual([]);
  });

  it('documents the problems of unknown routes, and the real readiness shape', () => {
    expect(document.components.responses['not-found'].content['application/problem+json'].examples['not-found'].value).toMatchObject({
      title: 'Not found',
      status: 404,
    });
    const ready = document.paths['/health/ready'].get.responses;
    expect(ready['200'].content['application/json'].schema.example.details.eventStore).toMatchObject({ status: 'up', adapter: 'embedded' });
    expect(resolve(ready['200'].content['application/json'].schema).properties.details.properties).toHaveProperty('projector');
  });
});
