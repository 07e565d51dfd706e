import request from 'supertest';
import { clientFor, publishArticle } from '../support/http-client';
import { startEmbeddedZan } from '../support/stacks';

const ORIGIN = 'https://app.example.com';

/**
 * A browser at an origin in ZAN_CORS_ORIGINS may call every route and read every header an answer
 * documents. @fastify/cors allowed only GET, HEAD and POST (unliking, repricing and delisting were
 * refused by every browser's preflight), exposed only Retry-After and Idempotent-Replayed (a script
 * could not read Zan-Next-Cursor to page nor Zan-Position to read its write), and answered an OPTIONS
 * without Access-Control-Request-Method with a text/plain 400.
 */
describe('CORS for the listed origins (embedded default)', () => {
  let zan: Awaited<ReturnType<typeof startEmbeddedZan>>;
  beforeAll(async () => {
    zan = await startEmbeddedZan({ env: { ZAN_CORS_ORIGINS: ORIGIN } });
  }, 120_000);
  afterAll(async () => {
    await zan?.close();
  }, 60_000);

  const preflight = (method: string, path: string) =>
    request(zan.app.getHttpServer())
      .options(path)
      .set('Origin', ORIGIN)
      .set('Access-Control-Request-Method', method)
      .set('Access-Control-Request-Headers', 'authorization,content-type,idempotency-key');

  it('lets a browser send every method a route answers', async () => {
    for (const [method, path] of [
      ['PATCH', '/v1/merchants/me/products/p-1'],
      ['DELETE', '/v1/merchants/me/products/p-1'],
      ['DELETE', '/v1/articles/a-1/likes/me'],
      ['POST', '/v1/transfers'],
    ] as const) {
      const answer = await preflight(method, path).expect(204);
      expect(answer.headers['access-control-allow-origin']).toBe(ORIGIN);
      expect(answer.headers['access-control-allow-methods']?.split(/,\s*/)).toContain(method);
    }
  });

  it('lets a script read the cursor, the position and the ids it is answered', async () => {
    await publishArticle(zan.app, 'cors-author', 'cors-article');
    let position = '';
    for (const reader of ['cors-r1', 'cors-r2']) {
      ({ position } = (await clientFor(zan.app, reader).post('/v1/articles/cors-article/likes', undefined, null).expect(201)).body);
    }
    const reader = clientFor(zan.app, 'cors-r1');
    const page = await reader.get(`/v1/articles/cors-article/praisers?limit=1&after=${position}`).set('Origin', ORIGIN).expect(200);
    expect(page.headers['zan-next-cursor']).toBeDefined();
    const unliked = await reader.delete('/v1/articles/cors-article/likes/me').set('Origin', ORIGIN).expect(204);
    expect(unliked.headers['zan-position']).toBeDefined();
    const exposed = (unliked.headers['access-control-expose-headers'] ?? '').toLowerCase().split(/,\s*/);
    for (const name of ['zan-next-cursor', 'zan-position', 'x-request-id', 'x-correlation-id', 'retry-after', 'idempotent-replayed']) {
      expect(exposed).toContain(name);
    }
  });

  it('lets a script read a 401 answered before the body is read (the early authentication), its CORS headers on', async () => {
    const answer = await request(zan.app.getHttpServer())
      .post('/v1/transfers')
      .set('Origin', ORIGIN)
      .set('Content-Type', 'application/json')
      .set('Idempotency-Key', 'cors-401')
      .send('{"toUserId":"bob","amount":1.5}')
      .expect(401);
    expect(answer.headers['access-control-allow-origin']).toBe(ORIGIN);
    expect(answer.headers['content-type']).toBe('application/problem+json; charset=utf-8');
  });

  it('answers an OPTIONS that is not a preflight without a text/plain error', async () => {
    const answer = await request(zan.app.getHttpServer()).options('/v1/transfers').set('Origin', ORIGIN);
    expect(answer.status).toBe(204);
  });
});
