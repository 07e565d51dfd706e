import { EVENT_STORE, type EventStore } from '@zan/event-store';
import { clientFor, fundedUser, type Client } from '../support/http-client';
import { readAllEvents } from '../support/read-model-snapshot';
import { startEmbeddedZan, type RunningZan } from '../support/stacks';

/** Red packets at the edges of the contract (embedded default), from the red packet audit. */
describe('red packet edges (embedded default)', () => {
  let zan: RunningZan;
  let store: EventStore;
  let sender: Client;
  beforeAll(async () => {
    zan = await startEmbeddedZan();
    store = zan.app.get<EventStore>(EVENT_STORE);
    sender = (await fundedUser(zan.app, 'rpe-sender', 100_000)).client;
  }, 120_000);
  afterAll(async () => {
    await zan?.close();
  }, 60_000);

  // CONTRACT: a claim takes "no body or `{}`": the two are one request under one key, on a live
  // packet (Nest's way) and on a packet gone (the refusal gate's), in either order.
  it('takes a claim with no body and one with {} under the same key as one request', async () => {
    const sent = await sender.post('/v1/red-packets', { amount: 300, shares: 2, mode: 'equal' }).expect(201);
    const claim = (client: Client, body: object | undefined, key: string) => client.post(`/v1/red-packets/${sent.body.redPacketId}/claims`, body, key);
    const [first, second, late] = (await Promise.all(['rpe-empty-1', 'rpe-empty-2', 'rpe-empty-3'].map((id) => fundedUser(zan.app, id, 0)))).map(
      (u) => u.client,
    );
    const won = await claim(first!, undefined, 'claim-1').expect(201);
    expect((await claim(first!, {}, 'claim-1').expect(201)).body).toEqual(won.body);
    const other = await claim(second!, {}, 'claim-2').expect(201);
    expect((await claim(second!, undefined, 'claim-2').expect(201)).body).toEqual(other.body);
    expect(won.body.amount + other.body.amount).toBe(300);
    const gone = await claim(late!, undefined, 'claim-3').expect(410);
    expect((await claim(late!, {}, 'claim-3').expect(410)).body).toEqual(gone.body);
    // A body with a field is another request: the key names its first, 409.
    expect((await claim(late!, { amount: 1 }, 'claim-3').expect(409)).body.type).toMatch(/idempotency-key-reused$/);
  });

  // "1..100 shares" is a configurable limit: past it is the same 422 however far past, and a share
  // count that is no integer is a 400 saying so (it said "must not be greater than 10000").
  it('answers any share count above the limit as 101 is (422 invalid-red-packet), and a malformed one as a 400 saying what is wrong', async () => {
    const before = (await readAllEvents(store)).length;
    for (const shares of [101, 10_000, 10_001, 1_000_000, Number.MAX_SAFE_INTEGER]) {
      const answer = await sender.post('/v1/red-packets', { amount: 20_000, shares, mode: 'lucky' });
      expect({ shares, status: answer.status, type: answer.body.type }).toEqual({ shares, status: 422, type: expect.stringMatching(/\/invalid-red-packet$/) });
    }
    for (const body of [
      { amount: 100, shares: '10', mode: 'lucky' },
      { amount: 100, mode: 'lucky' },
      { amount: 100, shares: true, mode: 'lucky' },
    ]) {
      const answer = await sender.post('/v1/red-packets', body).expect(400);
      expect(answer.body.errors).toEqual([{ field: 'shares', message: 'shares must be an integer' }]);
    }
    for (const shares of [0, -1]) {
      const answer = await sender.post('/v1/red-packets', { amount: 100, shares, mode: 'lucky' }).expect(400);
      expect(answer.body.errors).toEqual([{ field: 'shares', message: 'shares must not be less than 1' }]);
    }
    expect((await readAllEvents(store)).length).toBe(before);
    await sender.post('/v1/red-packets', { amount: 100, shares: 100, mode: 'lucky' }).expect(201);
  });
});

/** The recipient list's most follows the configured shares (5 per allowed share), not a fixed 500. */
describe('red packet recipients under a raised share limit (embedded default)', () => {
  let zan: RunningZan;
  let sender: Client;
  beforeAll(async () => {
    zan = await startEmbeddedZan({ env: { ZAN_RED_PACKET_MAX_SHARES: '200' } });
    sender = (await fundedUser(zan.app, 'rpe-group-sender', 100_000)).client;
  }, 120_000);
  afterAll(async () => {
    await zan?.close();
  }, 60_000);

  const names = (count: number) => Array.from({ length: count }, (_, i) => `rpe-member-${i}`);

  it('takes a packet for a group of 600 when 200 shares are allowed (up to 1000 recipients), and refuses 1001 as the limit it is (422)', async () => {
    const sent = await sender.post('/v1/red-packets', { amount: 10_000, shares: 150, mode: 'equal', recipients: names(600) }).expect(201);
    const claimed = await clientFor(zan.app, 'rpe-member-599').post(`/v1/red-packets/${sent.body.redPacketId}/claims`).expect(201);
    expect(claimed.body.amount).toBe(67);
    const refused = await sender.post('/v1/red-packets', { amount: 10_000, shares: 150, mode: 'equal', recipients: names(1001) }).expect(422);
    expect(refused.body.type).toMatch(/\/invalid-red-packet$/);
  });
});
