import type { INestApplication } from '@nestjs/common';
import type { ManualClock } from '@zan/platform';
import { eventually } from '../support/eventually';
import { type Client, clientFor, fundedUser, publishArticle } from '../support/http-client';

/** Beijing 10:00 on 2026-11-30 and 01:00 on 2026-12-01 (before the red packet expires). */
export const HISTORY_DAYS = ['2026-11-30', '2026-12-01'] as const;
const DAY_ONE = new Date('2026-11-30T02:00:00.000Z');
const DAY_TWO = new Date('2026-11-30T17:00:00.000Z');

/** What the dashboard must show for HISTORY_DAYS, worked out by hand from seedHistory. */
export const EXPECTED = {
  fundings: 3,
  fundingAmount: 151_000,
  withdrawals: 1,
  withdrawalAmount: 5_000,
  tips: 3,
  tipAmount: 2_688,
  likes: 2,
  redPackets: 1,
  redPacketAmount: 1_000,
  claims: 2,
  byDay: { '2026-11-30': { tipAmount: 888, fundingAmount: 151_000 }, '2026-12-01': { tipAmount: 1_800, withdrawalAmount: 5_000 } },
  topAuthors: [
    { authorId: 'bob', amount: 2_088 },
    { authorId: 'carol', amount: 600 },
  ],
  topArticles: [
    { articleId: 'bob-1', title: '为什么是赞', authorId: 'bob', amount: 2_088 },
    { articleId: 'carol-1', title: 'Red packets', authorId: 'carol', amount: 600 },
  ],
  /** fundings - withdrawals */
  netInflow: 146_000,
  /** Merchants: an order and a group buy on the first day; payments by code and a refund on the second. */
  sales: {
    totals: { orders: 1, orderAmount: 3_000, groupBuyOrders: 2, groupBuyAmount: 2_400, codePayments: 2, codePaymentAmount: 950, refunds: 1, refundAmount: 500 },
    gross: 6_350,
    net: 5_850,
    byDay: { '2026-11-30': { gross: 5_400, refundAmount: 0, net: 5_400 }, '2026-12-01': { gross: 950, refundAmount: 500, net: 450 } },
    topMerchants: [
      { merchantId: 'shop', net: 5_550 },
      { merchantId: 'kiosk', net: 300 },
    ],
  },
};

/** Waits until the merchant's credits have landed: the clock must not move on while they are pending. */
const balanceReaches = (client: Client, balance: number) =>
  eventually(`${client.userId}'s balance at ${balance}`, async () => (await client.get('/v1/wallets/me').expect(200)).body.balance === balance);

/**
 * A known history over two Beijing days, made through the api: fundings, articles, likes, tips, a
 * red packet with two claims, an order, a group buy, payments by code, a refund, a withdrawal.
 * Answers the position of its last write.
 */
export const seedHistory = async (app: INestApplication, clock: ManualClock): Promise<string> => {
  clock.set(DAY_ONE);
  const { client: alice } = await fundedUser(app, 'alice', 100_000);
  const { client: bob } = await fundedUser(app, 'bob', 1_000);
  const { client: carol } = await fundedUser(app, 'carol', 50_000);
  await publishArticle(app, 'bob', 'bob-1', '为什么是赞');
  await publishArticle(app, 'carol', 'carol-1', 'Red packets');
  await alice.post('/v1/tips', { authorId: 'bob', articleId: 'bob-1', amount: 888 }).expect(201);
  await alice.post('/v1/articles/bob-1/likes', undefined, null).expect(201);
  const packet = await alice.post('/v1/red-packets', { amount: 1_000, shares: 3, mode: 'lucky' }).expect(201);
  await bob.post(`/v1/red-packets/${packet.body.redPacketId}/claims`).expect(201);
  await clientFor(app, 'dave').post(`/v1/red-packets/${packet.body.redPacketId}/claims`).expect(201);
  const { client: shop } = await fundedUser(app, 'shop', 0, 'business');
  const { client: kiosk } = await fundedUser(app, 'kiosk', 0, 'business');
  const { productId } = (await shop.post('/v1/merchants/me/products', { title: '龙井茶', price: 1_500, stock: null }).expect(201)).body;
  const order = (await alice.post('/v1/orders', { productId, quantity: 2, expectedPrice: 1_500 }).expect(201)).body;
  const { groupBuyId } = (await shop.post('/v1/merchants/me/group-buys', { productId, groupPrice: 1_200, groupSize: 2, expiresInSeconds: 86_400 }).expect(201))
    .body;
  await alice.post(`/v1/group-buys/${groupBuyId}/joins`).expect(201);
  await carol.post(`/v1/group-buys/${groupBuyId}/joins`).expect(201);
  await balanceReaches(shop, 5_400);

  clock.set(DAY_TWO);
  await carol.post('/v1/tips', { authorId: 'bob', articleId: 'bob-1', amount: 1_200 }).expect(201);
  await bob.post('/v1/tips', { authorId: 'carol', articleId: 'carol-1', amount: 600 }).expect(201);
  await carol.post('/v1/articles/bob-1/likes', undefined, null).expect(201);
  const shopCode = (await shop.post('/v1/merchants/me/payment-codes', {}).expect(201)).body.code;
  const kioskCode = (await kiosk.post('/v1/merchants/me/payment-codes', {}).expect(201)).body.code;
  await carol.post('/v1/payments', { code: shopCode, amount: 650 }).expect(201);
  await alice.post('/v1/payments', { code: kioskCode, amount: 300 }).expect(201);
  await shop.post(`/v1/orders/${order.orderId}/refunds`, { amount: 500 }).expect(201);
  await balanceReaches(shop, 5_550);
  await balanceReaches(kiosk, 300);
  await balanceReaches(alice, 94_112); // the refund's credit
  const last = await carol.post('/v1/wallets/me/withdrawals', { amount: 5_000, cardId: 'card-carol' }).expect(201);
  await carol.get(`/v1/wallets/me?after=${last.body.position}`).expect(200);
  return last.body.position as string;
};
