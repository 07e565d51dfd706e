import type { INestApplication } from '@nestjs/common';
import { walletStream } from '@zan/contracts';
import { EVENT_STORE, type EventStore } from '@zan/event-store';
import { loadConfig } from '@zan/platform';
import { createZanApp } from '../../apps/zan/src/zan.app';
import { clientFor, fundedUser, publishArticle } from '../support/http-client';
import { dropIsolated, fullStackEnv } from '../support/stacks';

/**
 * Two api replicas on one PostgreSQL store. A tip is decided on the reader's wallet with the author's
 * eligibility read from the author's wallet; replica B revokes the author's verification and writes
 * to the reader's wallet while replica A's tip is on its way to the append. A's append then conflicts
 * and the tip is decided again, later than the revocation: it must be decided on the author as they
 * are then, not on the eligibility read before (a tip's author must be a verified individual with a
 * personal card at the time of the tip).
 */
describe('a tip decided again after its author was revoked on another replica', () => {
  const { KAFKA_BROKERS: _kafka, ...stack } = fullStackEnv('tiprevoke');
  const env: Record<string, string> = { ...stack, ZAN_RATE_LIMIT_PER_MINUTE: '0' };
  let a: INestApplication;
  let b: INestApplication;

  beforeAll(async () => {
    const config = loadConfig(env);
    const quiet = { logger: ['error', 'fatal'] as ('error' | 'fatal')[] };
    a = await createZanApp({ config, roles: ['api'], ...quiet });
    await a.init();
    b = await createZanApp({ config, roles: ['api'], ...quiet });
    await b.init();
  }, 120_000);
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await dropIsolated(env);
  }, 60_000);

  it('is refused 422 author-not-eligible, and nothing is debited', async () => {
    await fundedUser(a, 'tr-author', 0);
    await fundedUser(a, 'tr-reader', 10_000);
    await publishArticle(a, 'tr-author', 'tr-post');

    // A's first append to the reader's wallet waits until B has revoked the author and funded the reader.
    const store = a.get<EventStore>(EVENT_STORE);
    const append = store.append.bind(store);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let reached!: () => void;
    const atAppend = new Promise<void>((resolve) => (reached = resolve));
    let gated = false;
    store.append = async (streamId, events, expected) => {
      if (streamId === walletStream('tr-reader') && !gated) {
        gated = true;
        reached();
        await released;
      }
      return append(streamId, events, expected);
    };

    const tip = clientFor(a, 'tr-reader')
      .post('/v1/tips', { authorId: 'tr-author', articleId: 'tr-post', amount: 500 })
      .then((answer) => answer);
    await atAppend;
    await clientFor(b, 'tr-admin', { roles: ['admin'] })
      .post('/v1/admin/wallets/tr-author/verification', { decision: 'rejected', reason: '身份冒用' }, null)
      .expect(201);
    await clientFor(b, 'tr-reader').post('/v1/wallets/me/fundings', { amount: 100, cardId: 'card-tr-reader' }).expect(201);
    release();

    const answer = await tip;
    store.append = append;
    expect({ status: answer.status, type: answer.body.type }).toEqual({ status: 422, type: expect.stringMatching(/author-not-eligible$/) });
    const praised = (await store.readStream(walletStream('tr-reader'))).filter((event) => event.type === 'TipPraised');
    expect(praised).toEqual([]);
  });
});
