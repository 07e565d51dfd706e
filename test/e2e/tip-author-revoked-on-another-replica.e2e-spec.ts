import { walletStream } from '@zan/contracts';
import { holdFirstAppend, twoApiReplicas } from '../support/api-replicas';
import { clientFor, fundedUser, publishArticle } from '../support/http-client';

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
});
