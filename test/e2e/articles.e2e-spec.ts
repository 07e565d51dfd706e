import { clientFor, fundedUser } from '../support/http-client';
import { type RunningZan, startEmbeddedZan, startFullStackInProcess } from '../support/stacks';

/** Articles and praise (v1.1): publish, like without cash, unlike, tips that must name a published article. */
const describeArticles = (name: string, start: () => Promise<RunningZan>) =>
  describe(`articles and praise (${name})`, () => {
    let zan: RunningZan;
    beforeAll(async () => {
      zan = await start();
    }, 120_000);
    afterAll(async () => {
      await zan?.close();
    }, 60_000);

    it('publishes once per id: 201, again by its author 200 unchanged, by another user 409', async () => {
      const bob = clientFor(zan.app, 'bob');
      const first = await bob.post('/v1/articles', { articleId: 'why-zan', title: '为什么是赞' }, null).expect(201);
      expect(first.body).toEqual({ articleId: 'why-zan', authorId: 'bob', position: expect.stringMatching(/^[0-9]+$/) });
      const again = await bob.post('/v1/articles', { articleId: 'why-zan', title: 'another title' }, null).expect(200);
      expect(again.body).toEqual(first.body);
      const taken = await clientFor(zan.app, 'mallory').post('/v1/articles', { articleId: 'why-zan', title: 'mine' }, null).expect(409);
      expect(taken.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(taken.body.type).toMatch(/article-id-taken$/);
      const view = await bob.get(`/v1/articles/why-zan?after=${first.body.position}`).expect(200);
      expect(view.body).toEqual({ articleId: 'why-zan', authorId: 'bob', title: '为什么是赞', likes: 0, tips: 0, total: 0, likedByMe: false });
    });

    it('refuses bad input with a 400 naming the field, and changes nothing', async () => {
      const carl = clientFor(zan.app, 'carl');
      const cases: [object, string][] = [
        [{ articleId: 'c-1', title: 'bell\u0007' }, 'title'],
        [{ articleId: 'c-1', title: '' }, 'title'],
        [{ articleId: 'c-1', title: 'x'.repeat(65) }, 'title'],
        [{ articleId: 'c-1' }, 'title'],
        [{ articleId: '../c-1', title: 'ok' }, 'articleId'],
        [{ articleId: 'c-1', title: 'ok', extra: 1 }, 'extra'],
      ];
      for (const [body, field] of cases) {
        const refused = await carl.post('/v1/articles', body, null).expect(400);
        expect(refused.body.errors.map((e: { field: string }) => e.field)).toContain(field);
      }
      expect((await carl.post('/v1/articles/..%2Fc-1/likes', undefined, null).expect(400)).body.errors).toEqual([expect.objectContaining({ field: 'id' })]);
      await carl.get('/v1/articles/c-1').expect(404);
      await carl.post('/v1/articles/c-1/likes', undefined, null).expect(404);
    });

    it('likes once per reader (201, then 200 with no new event), unlikes with 204 whether liked or not', async () => {
      const dora = clientFor(zan.app, 'dora');
      await dora.post('/v1/articles', { articleId: 'dora-1', title: 'Likes' }, null).expect(201);
      const ann = clientFor(zan.app, 'ann');
      const liked = await ann.post('/v1/articles/dora-1/likes', undefined, null).expect(201);
      expect(liked.body).toEqual({ likes: 1, position: expect.stringMatching(/^[0-9]+$/) });
      const again = await ann.post('/v1/articles/dora-1/likes', undefined, null).expect(200);
      expect(again.body).toEqual({ likes: 1, position: liked.body.position });
      const byAuthor = await dora.post('/v1/articles/dora-1/likes', undefined, null).expect(201);
      expect(byAuthor.body.likes).toBe(2);

      let view = await ann.get(`/v1/articles/dora-1?after=${byAuthor.body.position}`).expect(200);
      expect(view.body).toMatchObject({ likes: 2, likedByMe: true });
      const unliked = await ann.delete('/v1/articles/dora-1/likes/me').expect(204);
      expect(unliked.headers['zan-position']).toMatch(/^[0-9]+$/);
      const notLiked = await ann.delete('/v1/articles/dora-1/likes/me').expect(204);
      expect(notLiked.headers['zan-position']).toBe(unliked.headers['zan-position']);
      view = await ann.get(`/v1/articles/dora-1?after=${unliked.headers['zan-position']}`).expect(200);
      expect(view.body).toMatchObject({ likes: 1, likedByMe: false });
      await ann.delete('/v1/articles/nope/likes/me').expect(404);
    });

    it('tips only a published article, to its author: 404 unknown, 422 another author; a replayed key tips once', async () => {
      const { client: reader } = await fundedUser(zan.app, 'eve', 10_000);
      await fundedUser(zan.app, 'fay', 0);
      await fundedUser(zan.app, 'gus', 0);
      const published = await clientFor(zan.app, 'fay').post('/v1/articles', { articleId: 'fay-1', title: 'Tip me' }, null).expect(201);

      const unknown = await reader.post('/v1/tips', { authorId: 'fay', articleId: 'fay-404', amount: 600 }).expect(404);
      expect(unknown.body.type).toMatch(/article-not-found$/);
      const wrong = await reader.post('/v1/tips', { authorId: 'gus', articleId: 'fay-1', amount: 600 }).expect(422);
      expect(wrong.body.type).toMatch(/not-the-article-author$/);

      const tip = await reader.post('/v1/tips', { authorId: 'fay', articleId: 'fay-1', amount: 888, message: '赞' }, 'tip-once').expect(201);
      const replay = await reader.post('/v1/tips', { authorId: 'fay', articleId: 'fay-1', amount: 888, message: '赞' }, 'tip-once').expect(201);
      expect(replay.body).toEqual(tip.body);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(tip.body.balance).toBe(10_000 - 888);

      const view = await reader.get(`/v1/articles/fay-1?after=${tip.body.position}`).expect(200);
      expect(view.body).toEqual({ articleId: 'fay-1', authorId: 'fay', title: 'Tip me', likes: 0, tips: 1, total: 888, likedByMe: false });
      const wallet = await reader.get(`/v1/wallets/me?after=${tip.body.position}`).expect(200);
      expect(wallet.body.balance).toBe(10_000 - 888); // refusals and the replay moved nothing
      expect(BigInt(tip.body.position)).toBeGreaterThan(BigInt(published.body.position));
    });

    it('lists praisers newest first, likes (amount 0) and tips, paged with a cursor; a like taken back leaves the list', async () => {
      const { client: hal } = await fundedUser(zan.app, 'hal', 10_000);
      await fundedUser(zan.app, 'ivy', 0);
      await clientFor(zan.app, 'ivy').post('/v1/articles', { articleId: 'ivy-1', title: 'Praise' }, null).expect(201);
      await hal.post('/v1/articles/ivy-1/likes', undefined, null).expect(201);
      await clientFor(zan.app, 'jon').post('/v1/articles/ivy-1/likes', undefined, null).expect(201);
      await hal.post('/v1/tips', { authorId: 'ivy', articleId: 'ivy-1', amount: 500 }).expect(201);
      await clientFor(zan.app, 'kim').post('/v1/articles/ivy-1/likes', undefined, null).expect(201);
      const tip = await hal.post('/v1/tips', { authorId: 'ivy', articleId: 'ivy-1', amount: 700 }).expect(201);
      await clientFor(zan.app, 'jon').delete('/v1/articles/ivy-1/likes/me').expect(204);
      const last = await clientFor(zan.app, 'lea').post('/v1/articles/ivy-1/likes', undefined, null).expect(201);
      const after = [tip.body.position, last.body.position].reduce((a, b) => (BigInt(a) > BigInt(b) ? a : b));

      const first = await hal.get(`/v1/articles/ivy-1/praisers?limit=3&after=${after}`).expect(200);
      expect(first.body.map((p: { userId: string; amount: number }) => [p.userId, p.amount])).toEqual([
        ['lea', 0],
        ['hal', 700],
        ['kim', 0],
      ]);
      for (const item of first.body) expect(item.at).toMatch(/^\d{4}-\d\d-\d\dT/);
      const second = await hal.get(`/v1/articles/ivy-1/praisers?limit=3&before=${first.headers['zan-next-cursor']}`).expect(200);
      expect(second.body).toEqual([expect.objectContaining({ userId: 'hal', amount: 500 }), expect.objectContaining({ userId: 'hal', amount: 0 })]);
      expect(second.headers['zan-next-cursor']).toBeUndefined();

      const view = await hal.get(`/v1/articles/ivy-1?after=${after}`).expect(200);
      expect(view.body).toMatchObject({ likes: 3, tips: 2, total: 1_200, likedByMe: true });
      await hal.get('/v1/articles/ivy-1/praisers?before=not*a*cursor').expect(400);
      await hal.get('/v1/articles/ivy-1/praisers?limit=0').expect(400);
      await hal.get('/v1/articles/nope/praisers').expect(404);
    });
  });

describeArticles('embedded default', () => startEmbeddedZan({ env: { ZAN_READ_WAIT_MS: '3000' } }));
describeArticles('full stack: PostgreSQL, Kafka, Redis', () => startFullStackInProcess('articles'));
