import { ManualClock } from '@zan/platform';
import { fundedUser } from '../support/http-client';
import { type RunningZan, startEmbeddedZan } from '../support/stacks';

/** The daily spending limit over HTTP: every kind of debit counts, and a new Beijing day starts afresh. */
describe('daily spending limit (embedded)', () => {
  const clock = new ManualClock(new Date('2026-05-01T02:00:00Z')); // 10:00 in Beijing
  let zan: RunningZan;

  beforeAll(async () => {
    zan = await startEmbeddedZan({ clock, env: { ZAN_DAILY_SPEND_LIMIT: '1000' } });
  }, 120_000);
  afterAll(async () => {
    await zan?.close();
  }, 60_000);

  it('refuses the debit that passes the limit, and allows it the next day', async () => {
    const { client } = await fundedUser(zan.app, 'thrifty', 5_000);
    await fundedUser(zan.app, 'friend', 0);
    await client.post('/v1/wallets/me/withdrawals', { amount: 600, cardId: 'card-thrifty' }).expect(201);
    await client.post('/v1/transfers', { toUserId: 'friend', amount: 300 }).expect(201);
    const refused = await client.post('/v1/transfers', { toUserId: 'friend', amount: 101 }).expect(422);
    expect(refused.body.type).toMatch(/daily-limit-exceeded$/);
    await client.post('/v1/transfers', { toUserId: 'friend', amount: 100 }).expect(201);

    clock.advance(14 * 60 * 60 * 1000); // 00:00 the next day in Beijing
    const next = await client.post('/v1/wallets/me/withdrawals', { amount: 1_000, cardId: 'card-thrifty' }).expect(201);
    expect(next.body.balance).toBe(5_000 - 600 - 300 - 100 - 1_000);
  });
});
