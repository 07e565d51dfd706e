import request from 'supertest';
import { PROBLEM_BASE } from '@zan/platform';
import { clientFor, fundedUser, type Client } from '../support/http-client';
import { type RunningZan, startEmbeddedZan } from '../support/stacks';

type Schema = Record<string, any>;

/**
 * A buyer's tier limits apply to an order and to a group buy's hold as to every debit (docs/commerce.md:
 * "then the buyer's balance and tier limits"): past the per-payment limit a 422 amount-out-of-range,
 * past the year's a 422 annual-limit-exceeded. The OpenAPI document lists, for each route, the
 * problems it answers; the walk of every route (openapi.e2e-spec) never took a buyer past a tier.
 */
describe('the OpenAPI document lists the tier limits an order and a group buy join answer', () => {
  let zan: RunningZan;
  let document: Schema;
  let shop: Client;
  let buyer: Client;
  beforeAll(async () => {
    zan = await startEmbeddedZan({
      env: { ZAN_TIER_UNVERIFIED_PER_PAYMENT: '1000', ZAN_TIER_UNVERIFIED_DAILY: '0', ZAN_TIER_UNVERIFIED_ANNUAL: '1500' },
    });
    document = (await request(zan.app.getHttpServer()).get('/docs/openapi.json').expect(200)).body;
    shop = (await fundedUser(zan.app, 'otl-shop', 0, 'business')).client;
    // Unverified (funded from a card of their own all the same): the tier with limits.
    buyer = clientFor(zan.app, 'otl-buyer');
    await buyer.post('/v1/wallets', { kind: 'individual' }).expect(201);
    await buyer.post('/v1/wallets/me/cards', { cardId: 'otl-card', holderName: '买家' }).expect(201);
    await buyer.post('/v1/wallets/me/fundings', { amount: 10_000, cardId: 'otl-card' }).expect(201);
  }, 120_000);
  afterAll(async () => {
    await zan?.close();
  }, 60_000);

  const listed = (route: string, status: number): string[] =>
    Object.keys(document.paths[route].post.responses[String(status)]?.content?.['application/problem+json']?.examples ?? {});
  const codeOf = (answer: request.Response) => ({ status: answer.status, code: String(answer.body.type).replace(PROBLEM_BASE, '') });

  it('POST /v1/orders and POST /v1/group-buys/{id}/joins: amount-out-of-range and annual-limit-exceeded', async () => {
    const dear = (await shop.post('/v1/merchants/me/products', { title: '大件', price: 1_200, stock: null }).expect(201)).body.productId as string;
    const cheap = (await shop.post('/v1/merchants/me/products', { title: '小件', price: 800, stock: null }).expect(201)).body.productId as string;
    const answers: { route: string; status: number; code: string }[] = [];

    answers.push({ route: '/v1/orders', ...codeOf(await buyer.post('/v1/orders', { productId: dear, quantity: 1, expectedPrice: 1_200 })) });
    const tooDear = (await shop.post('/v1/merchants/me/group-buys', { productId: dear, groupPrice: 1_100, groupSize: 2, expiresInSeconds: 600 }).expect(201))
      .body;
    answers.push({ route: '/v1/group-buys/{id}/joins', ...codeOf(await buyer.post(`/v1/group-buys/${tooDear.groupBuyId}/joins`)) });

    await buyer.post('/v1/orders', { productId: cheap, quantity: 1, expectedPrice: 800 }).expect(201);
    answers.push({ route: '/v1/orders', ...codeOf(await buyer.post('/v1/orders', { productId: cheap, quantity: 1, expectedPrice: 800 })) });
    const pastTheYear = (await shop.post('/v1/merchants/me/group-buys', { productId: cheap, groupPrice: 800, groupSize: 2, expiresInSeconds: 600 }).expect(201))
      .body;
    answers.push({ route: '/v1/group-buys/{id}/joins', ...codeOf(await buyer.post(`/v1/group-buys/${pastTheYear.groupBuyId}/joins`)) });

    expect(answers.map(({ route, status, code }) => `${route} ${status} ${code}`)).toEqual([
      '/v1/orders 422 amount-out-of-range',
      '/v1/group-buys/{id}/joins 422 amount-out-of-range',
      '/v1/orders 422 annual-limit-exceeded',
      '/v1/group-buys/{id}/joins 422 annual-limit-exceeded',
    ]);
    expect(answers.filter(({ route, status, code }) => !listed(route, status).includes(code)).map(({ route, code }) => `${route} ${code}`)).toEqual([]);
  });
});
