import { walletStream } from '@zan/contracts';
import { EVENT_STORE, type EventStore } from '@zan/event-store';
import { ManualClock } from '@zan/platform';
import { clientFor, fundedUser, verify } from '../support/http-client';
import { ownCardOf } from '../support/identity';
import { type RunningZan, startEmbeddedZan } from '../support/stacks';

/**
 * Limits by verification tier over HTTP (small figures as settings): an unverified wallet, a verified
 * individual and a verified business pay different amounts at once, per Beijing day and per year;
 * a refusal is a 422 naming the limit and appends nothing.
 */
describe('limits by verification tier (embedded)', () => {
  const clock = new ManualClock(new Date('2026-12-30T02:00:00Z')); // 10:00 in Beijing
  let zan: RunningZan;

  beforeAll(async () => {
    zan = await startEmbeddedZan({
      clock,
      env: {
        ZAN_DAILY_SPEND_LIMIT: '0',
        ZAN_TIER_UNVERIFIED_PER_PAYMENT: '1000',
        ZAN_TIER_UNVERIFIED_DAILY: '1500',
        ZAN_TIER_UNVERIFIED_ANNUAL: '2500',
        ZAN_TIER_INDIVIDUAL_PER_PAYMENT: '3000',
        ZAN_TIER_INDIVIDUAL_DAILY: '5000',
        ZAN_TIER_INDIVIDUAL_ANNUAL: '100000',
        ZAN_TIER_BUSINESS_PER_PAYMENT: '0',
        ZAN_TIER_BUSINESS_DAILY: '0',
        ZAN_TIER_BUSINESS_ANNUAL: '0',
      },
    });
  }, 120_000);
  afterAll(async () => {
    await zan?.close();
  }, 60_000);

  const events = async (userId: string) => (await zan.app.get<EventStore>(EVENT_STORE).readStream(walletStream(userId))).length;

  it('holds an unverified wallet to its tier per payment, per day and per year; verifying raises them', async () => {
    await fundedUser(zan.app, 'tier-friend', 0);
    const una = clientFor(zan.app, 'una');
    await una.post('/v1/wallets/me/cards', ownCardOf('una')).expect(201);
    await una.post('/v1/wallets/me/fundings', { amount: 50_000, cardId: 'card-una' }).expect(201);
    const stored = await events('una');

    const tooBig = await una.post('/v1/transfers', { toUserId: 'tier-friend', amount: 1_001 }).expect(422);
    expect(tooBig.body).toMatchObject({
      status: 422,
      detail: expect.stringMatching(/unverified wallet pays at most 1000 fen at once.*verifying the wallet raises it/),
    });
    expect(tooBig.body.type).toMatch(/amount-out-of-range$/);
    expect(await events('una')).toBe(stored);

    await una.post('/v1/transfers', { toUserId: 'tier-friend', amount: 1_000 }).expect(201);
    const day = await una.post('/v1/red-packets', { amount: 501, shares: 1, mode: 'equal' }).expect(422);
    expect(day.body.type).toMatch(/daily-limit-exceeded$/);
    await una.post('/v1/red-packets', { amount: 500, shares: 1, mode: 'equal' }).expect(201);

    clock.advance(24 * 3_600_000); // the next Beijing day, the same year
    await una.post('/v1/transfers', { toUserId: 'tier-friend', amount: 900 }).expect(201);
    const year = await una.post('/v1/transfers', { toUserId: 'tier-friend', amount: 101 }).expect(422);
    expect(year.body).toMatchObject({
      status: 422,
      title: 'Annual spending limit exceeded',
      detail: expect.stringMatching(/this year's limit of 2500 fen for an unverified wallet \(2400 fen spent in 2026\)/),
    });
    expect(year.body.type).toMatch(/annual-limit-exceeded$/);

    // Verified, the same wallet is an individual: larger limits, what it spent this year still counts.
    await verify(una);
    await una.post('/v1/transfers', { toUserId: 'tier-friend', amount: 3_000 }).expect(201);
    expect((await una.post('/v1/wallets/me/withdrawals', { amount: 3_001, cardId: 'card-una' }).expect(422)).body.type).toMatch(/amount-out-of-range$/);
    // 900 + 3,000 spent today of the individual's 5,000.
    expect((await una.post('/v1/wallets/me/withdrawals', { amount: 1_101, cardId: 'card-una' }).expect(422)).body.type).toMatch(/daily-limit-exceeded$/);
    await una.post('/v1/wallets/me/withdrawals', { amount: 1_100, cardId: 'card-una' }).expect(201);
  });

  it('lets a verified business pay past the individual limits, up to the route limits', async () => {
    clock.advance(3 * 24 * 3_600_000); // 2027 in Beijing: a new year for everyone
    await fundedUser(zan.app, 'tier-friend-2', 0);
    const { client: shop } = await fundedUser(zan.app, 'tier-shop', 200_000, 'business');
    await shop.post('/v1/transfers', { toUserId: 'tier-friend-2', amount: 60_000 }).expect(201);
    await shop.post('/v1/wallets/me/withdrawals', { amount: 100_000, cardId: 'card-tier-shop' }).expect(201);
    const { client: ivan } = await fundedUser(zan.app, 'tier-ivan', 200_000);
    expect((await ivan.post('/v1/transfers', { toUserId: 'tier-friend-2', amount: 60_000 }).expect(422)).body.type).toMatch(/amount-out-of-range$/);
  });
});
