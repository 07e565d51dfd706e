import { ManualClock } from '@zan/platform';
import { IdempotencySweeper } from '../../apps/api/src/idempotency/idempotency-sweeper';
import { fundedUser } from '../support/http-client';
import { type RunningZan, startEmbeddedZan } from '../support/stacks';

/**
 * An Idempotency-Key whose record is past its retention (kept at least 24 h, 48 h by default) is
 * free again: a new request under it is a new command, never answered with the events of the
 * request the key named before (that was a 201 for a transfer that did not move a fen). The same
 * request sent again under it still finds its first outcome: no second effect.
 */
describe('an Idempotency-Key used again after its record expired (embedded)', () => {
  const clock = new ManualClock(new Date('2026-05-01T02:00:00Z'));
  let zan: RunningZan;
  beforeAll(async () => {
    zan = await startEmbeddedZan({ clock });
  }, 120_000);
  afterAll(async () => {
    await zan?.close();
  }, 60_000);

  it('makes a new request under it, and answers the same request with its first outcome', async () => {
    const { client } = await fundedUser(zan.app, 'exp-ann', 10_000);
    await fundedUser(zan.app, 'exp-ben', 0);
    const first = await client.post('/v1/transfers', { toUserId: 'exp-ben', amount: 100 }, 'K1').expect(201);
    clock.advance(49 * 3_600_000);
    expect(await zan.app.get(IdempotencySweeper).sweep()).toBeGreaterThan(0);

    const another = await client.post('/v1/transfers', { toUserId: 'exp-ben', amount: 700 }, 'K1').expect(201);
    expect(another.body.transferId).not.toBe(first.body.transferId);
    expect((await client.get(`/v1/wallets/me?after=${another.body.position}`).expect(200)).body.balance).toBe(10_000 - 100 - 700);

    clock.advance(49 * 3_600_000);
    await zan.app.get(IdempotencySweeper).sweep();
    const again = await client.post('/v1/transfers', { toUserId: 'exp-ben', amount: 700 }, 'K1').expect(201);
    expect(again.body.transferId).toBe(another.body.transferId);
    expect((await client.get(`/v1/wallets/me?after=${again.body.position}`).expect(200)).body.balance).toBe(10_000 - 100 - 700);
  }, 60_000);
});
