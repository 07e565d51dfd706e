import request from 'supertest';
import { walletStream } from '@zan/contracts';
import { createPostgresEventStore, type PostgresEventStore } from '@zan/event-store';
import { type Client, clientFor, publishArticle } from '../support/http-client';
import { ownCardOf, realNameOf, residentIdOf, verificationBodyOf } from '../support/identity';
import { signCallback, startFakeKycProvider } from '../support/kyc-provider';
import { type AppProcess, startApp } from '../support/processes';
import { dropIsolated, fullStackEnv } from '../support/stacks';

jest.setTimeout(120_000);

const LISTENING = /zan api: listening on (http:\/\/127\.0\.0\.1:\d+)/;
const SECRET = 'kyc-callback-secret-full-stack';

/**
 * Verified accounts on the full stack as separate processes (api, relay, projector on PostgreSQL,
 * Kafka and Redis), with the http provider on a loopback server that answers only when the spec
 * calls back: late (after the user has moved on), twice, and forged. The wallet view the projector
 * builds shows where the verification stands.
 */
describe('verified accounts on the full stack (http provider, processes)', () => {
  let provider: Awaited<ReturnType<typeof startFakeKycProvider>>;
  let env: Record<string, string>;
  const apps: AppProcess[] = [];
  let base: string;
  let store: PostgresEventStore;

  beforeAll(async () => {
    provider = await startFakeKycProvider();
    // Debug logs: every event published and applied is logged, so the logs are checked for personal data too.
    env = {
      ...fullStackEnv('kycfs'),
      ZAN_KYC_PROVIDER: 'http',
      ZAN_KYC_URL: provider.url,
      ZAN_KYC_CALLBACK_SECRET: SECRET,
      ZAN_LOG_LEVEL: 'debug',
      ZAN_LOG_FORMAT: 'json',
    };
    const api = await startApp('api', env, LISTENING);
    apps.push(api);
    base = LISTENING.exec(api.output())![1]!;
    apps.push(await startApp('relay', env, /relaying from position/));
    apps.push(await startApp('projector', env, /projecting as group/));
    store = await createPostgresEventStore({ connectionString: env.ZAN_EVENT_STORE!, schema: env.ZAN_PG_SCHEMA });
  }, 180_000);

  afterAll(async () => {
    await Promise.allSettled(apps.map((app) => app.kill('SIGTERM')));
    await store?.eventStore.close();
    await provider?.close();
    if (env) await dropIsolated(env);
  }, 60_000);

  const callback = (body: object, signature?: string | null) => {
    const raw = JSON.stringify(body);
    const req = request(base).post('/v1/verification-callbacks').set('Content-Type', 'application/json');
    if (signature !== null) req.set('X-Zan-Signature', signature ?? signCallback(SECRET, raw));
    return req.send(raw);
  };
  /** The wallet stream's event types, from PostgreSQL: what the api stored. */
  const storedTypes = async (userId: string) => (await store.eventStore.readStream(walletStream(userId))).map((event) => event.type);
  /** Asks to be verified; the provider holds the answer (202 pending). Returns the provider's answer to send later. */
  const askToBeVerified = async (client: Client) => {
    const pending = await client.post('/v1/wallets/me/verification', verificationBodyOf(client.userId)).expect(202);
    expect(pending.body).toMatchObject({ userId: client.userId, status: 'pending' });
    const asked = provider.askedAbout(client.userId)!;
    return { verificationId: String(asked.verificationId), userId: client.userId, decision: 'verified' as const };
  };
  /** A verified individual with a personal card and money: the provider answers at once here. */
  const readyUser = async (userId: string, funding: number) => {
    const client = clientFor(base, userId);
    await callback(await askToBeVerified(client)).expect(204);
    await client.post('/v1/wallets/me/cards', ownCardOf(userId)).expect(201);
    if (funding > 0) await client.post('/v1/wallets/me/fundings', { amount: funding, cardId: `card-${userId}` }).expect(201);
    return client;
  };

  it('waits for a late provider: pending, not tipped, no withdrawal; then verified once, whatever is replayed or forged', async () => {
    const reader = await readyUser('fs-reader', 10_000);
    const mei = clientFor(base, 'fs-mei');
    const answer = await askToBeVerified(mei);
    // Meanwhile she links her card, is funded and publishes: still pending, so neither tipped nor paid out.
    await mei.post('/v1/wallets/me/cards', ownCardOf('fs-mei')).expect(201);
    const funded = await mei.post('/v1/wallets/me/fundings', { amount: 2_000, cardId: 'card-fs-mei' }).expect(201);
    await publishArticle(base, 'fs-mei', 'fs-mei-art');
    const notEligible = await reader.post('/v1/tips', { authorId: 'fs-mei', articleId: 'fs-mei-art', amount: 500 }).expect(422);
    expect(notEligible.body.type).toMatch(/author-not-eligible$/);
    const notVerified = await mei.post('/v1/wallets/me/withdrawals', { amount: 100, cardId: 'card-fs-mei' }).expect(422);
    expect(notVerified.body.type).toMatch(/verification-required$/);
    expect((await mei.get(`/v1/wallets/me?after=${funded.body.position}`).expect(200)).body).toMatchObject({ balance: 2_000, verification: 'pending' });

    // Forged: a wrong signature, another secret's, none at all. 401, nothing stored.
    const before = await storedTypes('fs-mei');
    await callback(answer, 'f'.repeat(64)).expect(401);
    await callback(answer, signCallback('not-the-shared-secret', JSON.stringify(answer))).expect(401);
    await callback(answer, null).expect(401);
    await callback({ ...answer, decision: 'rejected' }, signCallback(SECRET, JSON.stringify(answer))).expect(401);
    expect(await storedTypes('fs-mei')).toEqual(before);

    // The late answer, then the same answer again, then a contrary one: applied once, the first stands.
    await callback(answer).expect(204);
    await callback(answer).expect(204);
    await callback({ ...answer, decision: 'rejected' }).expect(204);
    const types = await storedTypes('fs-mei');
    expect(types.filter((type) => type === 'WalletVerified')).toHaveLength(1);
    expect(types).not.toContain('VerificationRejected');

    // Verified with a personal card: tipped; and her money may leave.
    const tip = await reader.post('/v1/tips', { authorId: 'fs-mei', articleId: 'fs-mei-art', amount: 500 }).expect(201);
    const withdrawn = await mei.post('/v1/wallets/me/withdrawals', { amount: 100, cardId: 'card-fs-mei' }).expect(201);
    // The projector's view, read after both writes: verified, the tip credited and the withdrawal debited.
    await mei.get(`/v1/wallets/me?after=${tip.body.position}`).expect(200);
    const view = await mei.get(`/v1/wallets/me?after=${withdrawn.body.position}`).expect(200);
    expect(view.body).toEqual({ userId: 'fs-mei', kind: 'individual', balance: expect.any(Number), currency: 'CNY', verification: 'verified' });
    expect(view.body.balance).toBeGreaterThanOrEqual(2_000 - 100);
  });

  it("ignores a provider's answer that comes after an admin decided, and one for nobody Zan asked about", async () => {
    const root = clientFor(base, 'fs-root', { roles: ['admin'] });
    const ned = clientFor(base, 'fs-ned');
    const answer = await askToBeVerified(ned);
    const rejected = await root.post('/v1/admin/wallets/fs-ned/verification', { decision: 'rejected', reason: 'papers do not match' }).expect(201);
    expect(rejected.body).toMatchObject({ userId: 'fs-ned', status: 'rejected' });
    await callback(answer).expect(204);
    expect((await storedTypes('fs-ned')).filter((type) => type === 'WalletVerified')).toHaveLength(0);
    await ned.post('/v1/wallets/me/cards', ownCardOf('fs-ned')).expect(201);
    const funded = await ned.post('/v1/wallets/me/fundings', { amount: 1_000, cardId: 'card-fs-ned' }).expect(201);
    expect((await ned.post('/v1/wallets/me/withdrawals', { amount: 100, cardId: 'card-fs-ned' }).expect(422)).body.type).toMatch(/verification-required$/);
    expect((await ned.get(`/v1/wallets/me?after=${funded.body.position}`).expect(200)).body.verification).toBe('rejected');

    // A signed answer about a user without a wallet: nothing to do, nothing stored.
    await callback({ verificationId: answer.verificationId, userId: 'fs-nobody', decision: 'verified' }).expect(204);
    expect(await storedTypes('fs-nobody')).toEqual([]);
  });

  it('shreds a verified user, and no process logged a clear name or ID number of anyone', async () => {
    const root = clientFor(base, 'fs-root', { roles: ['admin'] });
    await root.delete('/v1/admin/users/fs-mei/personal-data').expect(204);
    const mei = clientFor(base, 'fs-mei');
    // The person is gone, the verification and the money stay.
    const funded = await mei.post('/v1/wallets/me/fundings', { amount: 100, cardId: 'card-fs-mei' }).expect(201);
    expect((await mei.get(`/v1/wallets/me?after=${funded.body.position}`).expect(200)).body.verification).toBe('verified');
    const logs = apps.map((app) => app.output()).join('\n');
    // Every event published and applied was logged (by type and id; never its data).
    expect(logs).toContain('"type":"WalletVerified"');
    for (const userId of ['fs-reader', 'fs-mei', 'fs-ned']) {
      expect({ userId, name: logs.includes(realNameOf(userId)), id: logs.includes(residentIdOf(userId)) }).toEqual({ userId, name: false, id: false });
    }
  });
});
