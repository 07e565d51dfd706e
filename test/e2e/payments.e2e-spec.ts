import { ManualClock, seededRandom } from '@zan/platform';
import { ExpiryScheduler } from '../../apps/api/src/process-managers/expiry.scheduler';
import { clientFor, fundedUser, publishArticle } from '../support/http-client';
import { startFullStackInProcess } from '../support/stacks';
import { expectEveryStreamWholeAndInOrder, parseWithCloudEventsSdk, readAsSubscriber, storedStreams } from '../support/subscriber';

/** Every money-moving command over HTTP on PostgreSQL + Kafka + Redis, under concurrency. */
describe('payments over HTTP (full stack)', () => {
  const clock = new ManualClock(new Date('2026-01-01T00:00:00Z'));
  let zan: Awaited<ReturnType<typeof startFullStackInProcess>>;

  beforeAll(async () => {
    zan = await startFullStackInProcess('payments', { clock, random: seededRandom(7) });
  }, 120_000);
  afterAll(async () => {
    await zan?.close();
  }, 60_000);

  const balanceOf = async (userId: string, after: string) =>
    (await clientFor(zan.app, userId).get(`/v1/wallets/me?after=${after}`).expect(200)).body.balance as number;

  it('praises an author: the reader pays, the author is credited, earnings and leaderboard count it', async () => {
    const { client: reader } = await fundedUser(zan.app, 'reader-1', 10_000);
    await fundedUser(zan.app, 'author-1', 0);
    await publishArticle(zan.app, 'author-1', 'a-1');
    const tip = await reader.post('/v1/tips', { authorId: 'author-1', articleId: 'a-1', amount: 888, message: '赞' }).expect(201);
    expect(tip.body).toEqual({ tipId: expect.any(String), balance: 10_000 - 888, position: expect.any(String) });

    const earnings = await reader.get(`/v1/authors/author-1/earnings?after=${tip.body.position}`).expect(200);
    expect(earnings.body).toEqual({ authorId: 'author-1', total: 888, tips: 1, byArticle: { 'a-1': { total: 888, tips: 1 } } });
    const board = await reader.get(`/v1/leaderboards/authors?limit=100&after=${tip.body.position}`).expect(200);
    expect(board.body).toEqual(expect.arrayContaining([{ authorId: 'author-1', total: 888, tips: 1 }]));
    // The author's credit is appended by the process manager after the tip: wait for it.
    await waitFor(async () => (await clientFor(zan.app, 'author-1').get('/v1/wallets/me')).body.balance === 888);
  }, 60_000);

  it('refuses tips the rules forbid, with clear problems', async () => {
    const { client: reader } = await fundedUser(zan.app, 'reader-2', 50_000);
    await fundedUser(zan.app, 'shop-2', 0, 'business');
    const noCard = clientFor(zan.app, 'nocard-2');
    await noCard.post('/v1/wallets', { kind: 'individual' }).expect(201);
    for (const author of ['shop-2', 'nocard-2', 'nobody-2', 'reader-2']) await publishArticle(zan.app, author, `x-${author}`);

    const cases: [object, number, RegExp][] = [
      [{ authorId: 'shop-2', articleId: 'x-shop-2', amount: 600 }, 422, /author-not-eligible$/],
      [{ authorId: 'nocard-2', articleId: 'x-nocard-2', amount: 600 }, 422, /author-not-eligible$/],
      [{ authorId: 'nobody-2', articleId: 'x-nobody-2', amount: 600 }, 422, /author-not-eligible$/],
      [{ authorId: 'reader-2', articleId: 'x-reader-2', amount: 600 }, 422, /self-payment$/],
      [{ authorId: 'shop-2', articleId: 'x-shop-2', amount: 499 }, 422, /amount-out-of-range$/],
      [{ authorId: 'shop-2', articleId: 'x-shop-2', amount: 20_001 }, 422, /amount-out-of-range$/],
      [{ authorId: 'shop-2', articleId: 'x-shop-2', amount: 600.5 }, 400, /validation$/],
      [{ authorId: '../etc', articleId: 'x', amount: 600 }, 400, /validation$/],
      [{ authorId: 'shop-2', articleId: 'x-unpublished', amount: 600 }, 404, /article-not-found$/],
      [{ authorId: 'nocard-2', articleId: 'x-shop-2', amount: 600 }, 422, /not-the-article-author$/],
    ];
    for (const [body, status, type] of cases) {
      const response = await reader.post('/v1/tips', body).expect(status);
      expect(response.body.type).toMatch(type);
    }
    const last = await reader.post('/v1/wallets/me/fundings', { amount: 1, cardId: 'card-reader-2' }).expect(201);
    expect(await balanceOf('reader-2', last.body.position)).toBe(50_001);
  }, 60_000);

  it('transfers: 50 concurrent transfers that together exceed the balance never drive it below zero', async () => {
    const { client: payer } = await fundedUser(zan.app, 'payer-3', 10_000);
    await fundedUser(zan.app, 'payee-3', 0);
    const results = await Promise.all(Array.from({ length: 50 }, () => payer.post('/v1/transfers', { toUserId: 'payee-3', amount: 700 })));
    const ok = results.filter((r) => r.status === 201);
    const refused = results.filter((r) => r.status === 422);
    expect(ok.length).toBe(14); // 14 * 700 = 9800 <= 10000 < 15 * 700
    expect(refused.length).toBe(36);
    for (const r of refused) expect(r.body.type).toMatch(/insufficient-funds$/);
    const last = ok
      .map((r) => BigInt(r.body.position))
      .reduce((a, b) => (a > b ? a : b))
      .toString();
    expect(await balanceOf('payer-3', last)).toBe(200);
    await waitFor(async () => (await clientFor(zan.app, 'payee-3').get('/v1/wallets/me')).body.balance === 9_800);
    await payer.post('/v1/transfers', { toUserId: 'ghost-3', amount: 1 }).expect(404);
    await payer.post('/v1/transfers', { toUserId: 'payer-3', amount: 1 }).expect(422);
  }, 60_000);

  it('replays a retry spelled otherwise (a trailing slash, capitals, an id percent-encoded) as the same request; another route with the key is a 409', async () => {
    const { client: payer } = await fundedUser(zan.app, 'spelled-payer', 1_000);
    await fundedUser(zan.app, 'spelled-peer', 0);
    const body = { toUserId: 'spelled-peer', amount: 7 };
    const first = await payer.post('/v1/transfers', body, 'spelled-k').expect(201);
    for (const path of ['/v1/transfers/', '/V1/Transfers', '/v1/TRANSFERS/']) {
      const again = await payer.post(path, body, 'spelled-k').expect(201);
      expect({ replayed: again.headers['idempotent-replayed'], body: again.body }).toEqual({ replayed: 'true', body: first.body });
    }
    expect((await payer.post('/v1/transfers', { ...body, amount: 8 }, 'spelled-k').expect(409)).body.type).toMatch(/idempotency-key-reused$/);
    expect((await payer.post('/v1/red-packets', { amount: 7, shares: 1, mode: 'lucky' }, 'spelled-k').expect(409)).body.type).toMatch(
      /idempotency-key-reused$/,
    );
    const { client: sender } = await fundedUser(zan.app, 'spelled-sender', 1_000);
    const { redPacketId } = (await sender.post('/v1/red-packets', { amount: 100, shares: 2, mode: 'lucky' }).expect(201)).body as { redPacketId: string };
    const claimer = clientFor(zan.app, 'spelled-claimer');
    const claimed = await claimer.post(`/v1/red-packets/${redPacketId}/claims`, undefined, 'spelled-claim').expect(201);
    const encoded = redPacketId.replace(/^r/, '%72');
    const replayed = await claimer.post(`/v1/red-packets/${encoded}/claims/`, undefined, 'spelled-claim').expect(201);
    expect(replayed.body).toEqual(claimed.body);
    expect((await payer.get(`/v1/wallets/me?after=${first.body.position}`).expect(200)).body.balance).toBe(1_000 - 7);
  }, 60_000);

  it('red packets: 200 concurrent claims on a 10-share packet give exactly 10 shares summing to the packet', async () => {
    const { client: sender } = await fundedUser(zan.app, 'sender-4', 20_000);
    const sent = await sender.post('/v1/red-packets', { amount: 10_000, shares: 10, mode: 'lucky', greeting: '恭喜发财' }).expect(201);
    expect(sent.body.balance).toBe(10_000);
    const { redPacketId } = sent.body;
    const claimers = Array.from({ length: 200 }, (_, i) => clientFor(zan.app, `claimer-4-${i}`));
    const claims = await Promise.all(claimers.map((c) => c.post(`/v1/red-packets/${redPacketId}/claims`)));
    const won = claims.filter((r) => r.status === 201);
    expect(won.length).toBe(10);
    expect(claims.filter((r) => r.status === 410).length).toBe(190);
    expect(won.reduce((sum, r) => sum + r.body.amount, 0)).toBe(10_000);
    for (const r of won) expect(r.body.amount).toBeGreaterThanOrEqual(1);

    const last = won
      .map((r) => BigInt(r.body.position))
      .reduce((a, b) => (a > b ? a : b))
      .toString();
    const view = await sender.get(`/v1/red-packets/${redPacketId}?after=${last}`).expect(200);
    expect(view.body).toMatchObject({ redPacketId, senderId: 'sender-4', amount: 10_000, shares: 10, remaining: 0, status: 'exhausted' });
    expect(view.body.claimed).toHaveLength(10);

    const winner = claimers[claims.indexOf(won[0]!)]!;
    const again = await winner.post(`/v1/red-packets/${redPacketId}/claims`).expect(409);
    expect(again.body.type).toMatch(/red-packet-already-claimed$/);
    await waitFor(async () => (await winner.get('/v1/wallets/me')).body?.balance === won[0]!.body.amount);
  }, 60_000);

  it('red packets: a claim on a packet known to be gone is answered at once, and its key answers the same ever after', async () => {
    const { client: sender } = await fundedUser(zan.app, 'sender-4b', 1_000);
    const packet = async () => (await sender.post('/v1/red-packets', { amount: 200, shares: 2, mode: 'lucky' }).expect(201)).body.redPacketId as string;
    const [gone, other] = [await packet(), await packet()];
    const winners = ['winner-4b-1', 'winner-4b-2'].map((userId) => clientFor(zan.app, userId));
    const won = await Promise.all(winners.map((winner) => winner.post(`/v1/red-packets/${gone}/claims`, undefined, `${winner.userId}-k`).expect(201)));

    // The api knows the packet is gone: refused before the command runs, the refusal stored as the key's answer.
    const late = clientFor(zan.app, 'late-4b');
    const refused = await late.post(`/v1/red-packets/${gone}/claims`, undefined, 'late-k').expect(410);
    expect(refused.body.type).toMatch(/red-packet-gone$/);
    const replayed = await late.post(`/v1/red-packets/${gone}/claims`, undefined, 'late-k').expect(410);
    expect(replayed.headers['idempotent-replayed']).toBe('true');
    expect(replayed.body).toEqual(refused.body);
    // The same key for another request (a packet that is not gone) is refused, never run.
    expect((await late.post(`/v1/red-packets/${other}/claims`, undefined, 'late-k').expect(409)).body.type).toMatch(/idempotency-key-reused$/);
    // A winner's key still answers the win, and a winner's new claim hears that they claimed.
    const again = await winners[0]!.post(`/v1/red-packets/${gone}/claims`, undefined, 'winner-4b-1-k').expect(201);
    expect(again.body).toEqual(won[0]!.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect((await winners[1]!.post(`/v1/red-packets/${gone}/claims`).expect(409)).body.type).toMatch(/red-packet-already-claimed$/);
    // Bad input is still the route's to answer first.
    expect((await late.post(`/v1/red-packets/${gone}/claims`, { amount: 1 }).expect(400)).body.type).toMatch(/validation$/);
    await late.post(`/v1/red-packets/${gone}/claims`, undefined, null).expect(400);
    // The other packet pays the late claimer under a new key.
    await late.post(`/v1/red-packets/${other}/claims`, undefined, 'late-k2').expect(201);
  }, 60_000);

  it('red packets: recipients, unknown packets, equal shares and expiry refund exactly once', async () => {
    const { client: sender } = await fundedUser(zan.app, 'sender-5', 20_000);
    const sent = await sender.post('/v1/red-packets', { amount: 1001, shares: 2, mode: 'equal', recipients: ['friend-5a', 'friend-5b'] }).expect(201);
    const id = sent.body.redPacketId;
    await clientFor(zan.app, 'stranger-5').post(`/v1/red-packets/${id}/claims`).expect(403);
    await clientFor(zan.app, 'friend-5a').post('/v1/red-packets/00000000-0000-4000-8000-000000000000/claims').expect(404);
    const first = await clientFor(zan.app, 'friend-5a').post(`/v1/red-packets/${id}/claims`).expect(201);
    expect(first.body.amount).toBe(501); // the remainder fen goes to the first claim

    clock.advance(24 * 60 * 60 * 1000);
    await clientFor(zan.app, 'friend-5b').post(`/v1/red-packets/${id}/claims`).expect(410);
    const scheduler = zan.app.get(ExpiryScheduler);
    await scheduler.runDue();
    await scheduler.runDue();
    await waitFor(async () => (await sender.get('/v1/wallets/me')).body.balance === 20_000 - 501);
    // The packet's stream may sit on another Kafka partition than the sender's wallet: its view may come later.
    await waitFor(async () => (await sender.get(`/v1/red-packets/${id}`)).body?.status === 'expired');
    const view = await sender.get(`/v1/red-packets/${id}`).expect(200);
    expect(view.body).toMatchObject({ status: 'expired', remaining: 0 });
  }, 60_000);

  it('refuses a red packet the sender cannot pay, and bad packets', async () => {
    const { client } = await fundedUser(zan.app, 'sender-6', 100);
    expect((await client.post('/v1/red-packets', { amount: 200, shares: 2, mode: 'lucky' }).expect(422)).body.type).toMatch(/insufficient-funds$/);
    await client.post('/v1/red-packets', { amount: 5, shares: 10, mode: 'lucky' }).expect(422);
    await client.post('/v1/red-packets', { amount: 20_001, shares: 1, mode: 'lucky' }).expect(422);
    await client.post('/v1/red-packets', { amount: 100, shares: 101, mode: 'lucky' }).expect(422);
    await client.post('/v1/red-packets', { amount: 100, shares: 1, mode: 'greedy' }).expect(400);
    await client.post('/v1/red-packets', { amount: 100, shares: 1.5, mode: 'lucky' }).expect(400);
  }, 60_000);

  // Last: what a subscribing service reads of every scenario above (CONTRACT.md, "Kafka").
  it('shows a subscriber from the beginning of every topic each stream whole and in order, every message a CloudEvent', async () => {
    const messages = await readAsSubscriber(zan.env);
    expectEveryStreamWholeAndInOrder(messages, await storedStreams(zan.env), zan.env.ZAN_TOPIC_PREFIX!);
    for (const message of messages) parseWithCloudEventsSdk(message);
  }, 60_000);
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
