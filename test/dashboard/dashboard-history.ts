import type { INestApplication } from '@nestjs/common';
import type { ManualClock } from '@zan/platform';
import { clientFor, fundedUser, publishArticle } from '../support/http-client';

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
};

/**
 * A known history over two Beijing days, made through the api: fundings, articles, likes, tips, a
 * red packet with two claims, a withdrawal. Answers the position of its last write.
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

  clock.set(DAY_TWO);
  await carol.post('/v1/tips', { authorId: 'bob', articleId: 'bob-1', amount: 1_200 }).expect(201);
  await bob.post('/v1/tips', { authorId: 'carol', articleId: 'carol-1', amount: 600 }).expect(201);
  await carol.post('/v1/articles/bob-1/likes', undefined, null).expect(201);
  const last = await carol.post('/v1/wallets/me/withdrawals', { amount: 5_000, cardId: 'card-carol' }).expect(201);
  await carol.get(`/v1/wallets/me?after=${last.body.position}`).expect(200);
  return last.body.position as string;
};
