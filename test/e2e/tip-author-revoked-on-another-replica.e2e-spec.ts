import { walletStream } from '@zan/contracts';
import { EVENT_STORE, type EventStore } from '@zan/event-store';
import { holdFirstAppend, twoApiReplicas } from '../support/api-replicas';
import { ownCardOf } from '../support/identity';
import { clientFor, fundedUser, publishArticle, verify } from '../support/http-client';

/**
 * Two api replicas on one PostgreSQL store. A tip is decided on the reader's wallet with the author's
 * eligibility read from the author's wallet; replica B revokes the author's verification and writes
 * to the reader's wallet while replica A's tip is on its way to the append. A's append then conflicts
 * and the tip is decided again, later than the revocation: it must be decided on the author as they
 * are then, not on the eligibility read before (a tip's author must be a verified individual with a
 * personal card at the time of the tip).
 */
describe('a tip decided again after its author was revoked on another replica', () => {
  const replicas = twoApiReplicas('tiprevoke');

  it('is refused 422 author-not-eligible, and nothing is debited', async () => {
    const { a, b } = replicas;
    await fundedUser(a, 'tr-author', 0);
    await fundedUser(a, 'tr-reader', 10_000);
    await publishArticle(a, 'tr-author', 'tr-post');

    // A's first append to the reader's wallet waits until B has revoked the author and funded the reader.
    const held = holdFirstAppend(a, walletStream('tr-reader'));
    const tip = clientFor(a, 'tr-reader')
      .post('/v1/tips', { authorId: 'tr-author', articleId: 'tr-post', amount: 500 })
      .then((answer) => answer);
    await held.reached;
    await clientFor(b, 'tr-admin', { roles: ['admin'] })
      .post('/v1/admin/wallets/tr-author/verification', { decision: 'rejected', reason: '身份冒用' }, null)
      .expect(201);
    await clientFor(b, 'tr-reader').post('/v1/wallets/me/fundings', { amount: 100, cardId: 'card-tr-reader' }).expect(201);
    held.release();

    const answer = await tip;
    held.restore();
    expect({ status: answer.status, type: answer.body.type }).toEqual({ status: 422, type: expect.stringMatching(/author-not-eligible$/) });
    const praised = (await held.store.readStream(walletStream('tr-reader'))).filter((event) => event.type === 'TipPraised');
    expect(praised).toEqual([]);
  });

  // A tip after another takes the author's wallet as this replica last saw it, moments ago, without
  // reading it (its append carries a guard on it): what another replica changed since must still bind.
  it('is refused 422 when the author was revoked on another replica since this replica last saw them', async () => {
    const { a, b } = replicas;
    await fundedUser(a, 'tr2-author', 0);
    await fundedUser(a, 'tr2-reader', 10_000);
    await publishArticle(a, 'tr2-author', 'tr2-post');
    const reader = clientFor(a, 'tr2-reader');
    await reader.post('/v1/tips', { authorId: 'tr2-author', articleId: 'tr2-post', amount: 500 }).expect(201);

    await clientFor(b, 'tr2-admin', { roles: ['admin'] })
      .post('/v1/admin/wallets/tr2-author/verification', { decision: 'rejected', reason: '身份冒用' }, null)
      .expect(201);
    const answer = await reader.post('/v1/tips', { authorId: 'tr2-author', articleId: 'tr2-post', amount: 700 });

    expect({ status: answer.status, type: answer.body.type }).toEqual({ status: 422, type: expect.stringMatching(/author-not-eligible$/) });
    const store = a.get<EventStore>(EVENT_STORE);
    const praised = (await store.readStream(walletStream('tr2-reader'))).filter((event) => event.type === 'TipPraised');
    expect(praised.map((event) => (event.data as { amount: number }).amount)).toEqual([500]);
  });

  it('is paid when the author was verified on another replica since this replica refused a tip to them', async () => {
    const { a, b } = replicas;
    const author = clientFor(a, 'tr3-author');
    await author.post('/v1/wallets', { kind: 'individual' }).expect(201);
    await author.post('/v1/wallets/me/cards', ownCardOf('tr3-author')).expect(201);
    await fundedUser(a, 'tr3-reader', 10_000);
    await publishArticle(a, 'tr3-author', 'tr3-post');
    const reader = clientFor(a, 'tr3-reader');
    await reader.post('/v1/tips', { authorId: 'tr3-author', articleId: 'tr3-post', amount: 500 }).expect(422);

    await verify(clientFor(b, 'tr3-author'));
    await reader.post('/v1/tips', { authorId: 'tr3-author', articleId: 'tr3-post', amount: 500 }).expect(201);
  });
});
