import type { INestApplication } from '@nestjs/common';
import { loadConfig } from '@zan/platform';
import { CreditsProcessManager } from '../../apps/api/src/process-managers/credits.process-manager';
import { createZanApp } from '../../apps/zan/src/zan.app';
import { eventually } from '../support/eventually';
import { clientFor, fundedUser } from '../support/http-client';
import { startEmbeddedZan, startFullStackInProcess } from '../support/stacks';

type Zan = Awaited<ReturnType<typeof startEmbeddedZan>> | Awaited<ReturnType<typeof startFullStackInProcess>>;

/**
 * `?after=<position>` covers what a caller expects of its command: the second legs the credits
 * process manager appends later (the payee's credit, the escrow) are applied too. A few rounds each:
 * before read-your-writes covered reactions, a read right after the command missed the credit.
 */
describe.each([
  ['embedded (npm start)', () => startEmbeddedZan({ env: { ZAN_READ_WAIT_MS: '5000' } })],
  ['full stack (api, relay, projector)', () => startFullStackInProcess('ryw-e2e', { env: { ZAN_READ_WAIT_MS: '5000' } })],
] as [string, () => Promise<Zan>][])('read-your-writes over HTTP, %s', (_, start) => {
  let zan: Zan;
  const ROUNDS = 10;

  beforeAll(async () => {
    zan = await start();
  }, 120_000);
  afterAll(async () => {
    await zan?.close();
  }, 60_000);

  it('shows the receiver of a transfer the credited balance at the transfer position', async () => {
    const { client: alice } = await fundedUser(zan.app, 'alice', 10_000);
    const { client: bob } = await fundedUser(zan.app, 'bob', 0);
    for (let round = 1; round <= ROUNDS; round++) {
      const sent = await alice.post('/v1/transfers', { toUserId: 'bob', amount: 100 }).expect(201);
      const wallet = await bob.get(`/v1/wallets/me?after=${sent.body.position}`).expect(200);
      expect(wallet.body.balance).toBe(100 * round);
    }
  }, 60_000);

  it('shows the author of a tip the earnings and the credited balance at the tip position', async () => {
    const { client: reader } = await fundedUser(zan.app, 'reader', 10_000);
    const { client: author } = await fundedUser(zan.app, 'author', 0);
    await author.post('/v1/articles', { articleId: 'a-1', title: 'Read your writes' }, null).expect(201);
    for (let round = 1; round <= ROUNDS; round++) {
      const tip = await reader.post('/v1/tips', { authorId: 'author', articleId: 'a-1', amount: 500 }).expect(201);
      const wallet = await author.get(`/v1/wallets/me?after=${tip.body.position}`).expect(200);
      expect(wallet.body.balance).toBe(500 * round);
      const earnings = await author.get(`/v1/authors/author/earnings?after=${tip.body.position}`).expect(200);
      expect(earnings.body).toMatchObject({ total: 500 * round, tips: round });
    }
  }, 60_000);

  it('shows a sent packet at the send position, and after a claim the claim and the claimer’s credited share', async () => {
    const { client: sender } = await fundedUser(zan.app, 'sender', 10_000);
    for (let round = 1; round <= ROUNDS; round++) {
      const sent = await sender.post('/v1/red-packets', { amount: 1_000, shares: 2, mode: 'equal' }).expect(201);
      const { redPacketId } = sent.body;
      // The packet's view starts with its escrow, a reaction to the send.
      const view = await sender.get(`/v1/red-packets/${redPacketId}?after=${sent.body.position}`).expect(200);
      expect(view.body).toMatchObject({ redPacketId, amount: 1_000, status: 'open', claimed: [] });

      const claimer = clientFor(zan.app, `claimer-${round}`);
      const claim = await claimer.post(`/v1/red-packets/${redPacketId}/claims`).expect(201);
      const claimed = await claimer.get(`/v1/red-packets/${redPacketId}?after=${claim.body.position}`).expect(200);
      expect(claimed.body.claimed).toEqual([{ userId: `claimer-${round}`, amount: 500 }]);
      const wallet = await claimer.get(`/v1/wallets/me?after=${claim.body.position}`).expect(200);
      expect(wallet.body.balance).toBe(500);
    }
  }, 60_000);

  it('answers a position whose event needs no reaction as before, and 503 with Retry-After for one not yet written', async () => {
    const { client, position } = await fundedUser(zan.app, 'funded', 700);
    expect((await client.get(`/v1/wallets/me?after=${position}`).expect(200)).body.balance).toBe(700);
    const future = await client.get('/v1/wallets/me?after=999999999999').expect(503);
    expect(future.headers['retry-after']).toBe('1');
  }, 60_000);
});

/** A standby api replica learns the credits watermark from the checkpoint the leader saves. */
describe('read-your-writes over HTTP, on a standby api replica', () => {
  let zan: Awaited<ReturnType<typeof startFullStackInProcess>>;
  let second: INestApplication;

  beforeAll(async () => {
    zan = await startFullStackInProcess('ryw-standby');
    second = await createZanApp({ config: loadConfig(zan.env), roles: ['api'], logger: ['error', 'fatal'] });
    await second.init();
  }, 120_000);
  afterAll(async () => {
    await second?.close();
    await zan?.close();
  }, 60_000);

  it('shows the receiver of a transfer, asking the replica that does not react, the credited balance', async () => {
    const replicas = [zan.app, second];
    await eventually('one replica leads the credits', async () => replicas.some((app) => app.get(CreditsProcessManager).leading), 30_000);
    const standby = replicas.find((app) => !app.get(CreditsProcessManager).leading)!;
    const { client: alice } = await fundedUser(zan.app, 'alice', 10_000);
    await fundedUser(zan.app, 'bob', 0);
    const bob = clientFor(standby, 'bob');
    for (let round = 1; round <= 10; round++) {
      const sent = await alice.post('/v1/transfers', { toUserId: 'bob', amount: 100 }).expect(201);
      const wallet = await bob.get(`/v1/wallets/me?after=${sent.body.position}`).expect(200);
      expect(wallet.body.balance).toBe(100 * round);
    }
  }, 60_000);
});

/** With the credits process manager stopped, only the positions that need its reactions wait for it. */
describe('read-your-writes over HTTP, with no credits process manager running', () => {
  let zan: Awaited<ReturnType<typeof startEmbeddedZan>>;

  beforeAll(async () => {
    zan = await startEmbeddedZan({ env: { ZAN_READ_WAIT_MS: '1000' } });
  }, 120_000);
  afterAll(async () => {
    await zan?.close();
  }, 60_000);

  it('answers at a funding position at once, and 503 at a transfer position whose credit cannot come', async () => {
    const { client: alice } = await fundedUser(zan.app, 'alice', 10_000);
    await fundedUser(zan.app, 'bob', 0);
    await zan.app.get(CreditsProcessManager).onModuleDestroy();

    const funded = await alice.post('/v1/wallets/me/fundings', { amount: 500, cardId: 'card-alice' }).expect(201);
    expect((await alice.get(`/v1/wallets/me?after=${funded.body.position}`).expect(200)).body.balance).toBe(10_500);
    const sent = await alice.post('/v1/transfers', { toUserId: 'bob', amount: 100 }).expect(201);
    // The payer's own debit is at the position; the wait is for the payee's credit, which never comes.
    const behind = await clientFor(zan.app, 'bob').get(`/v1/wallets/me?after=${sent.body.position}`).expect(503);
    expect(behind.headers['retry-after']).toBe('1');
    expect(behind.body.detail).toMatch(/with the credits that follow it/);
  }, 60_000);
});
