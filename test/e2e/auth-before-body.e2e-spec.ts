import request from 'supertest';
import { EarlyAuthentication } from '../../apps/api/src/auth/early-authentication';
import { BearerTokenVerifier } from '../../apps/api/src/auth/bearer-token';
import { clientFor, fundedUser } from '../support/http-client';
import { type RunningZan, startEmbeddedZan } from '../support/stacks';

/**
 * The caller is authenticated before the body is read (EarlyAuthentication): without a valid token
 * the answer is 401 whatever the body holds (CONTRACT: "No token or a bad one: 401"), on an admin
 * route without the role 403, and only an authenticated caller hears what is wrong with a body.
 */
describe('authentication before the body (embedded)', () => {
  let zan: RunningZan;
  const verified = jest.spyOn(BearerTokenVerifier.prototype, 'verify');

  beforeAll(async () => {
    zan = await startEmbeddedZan();
  }, 60_000);
  afterAll(async () => {
    await zan?.close();
    jest.restoreAllMocks();
  }, 60_000);

  const server = () => zan.app.getHttpServer();
  /** A POST of `raw` as JSON, with `token` when given. */
  const post = (path: string, raw: string, token?: string) => {
    const req = request(server()).post(path).set('Content-Type', 'application/json').set('Idempotency-Key', `k-${Math.random()}`);
    if (token !== undefined) req.set('Authorization', `Bearer ${token}`);
    return req.send(raw);
  };

  /** Bodies the api refuses 400 once it reads them: a fraction of fen, a key twice, not JSON, too deep, not an object. */
  const badBodies = [
    '{"toUserId":"bob","amount":1.5}',
    '{"toUserId":"a","toUserId":"b","amount":100}',
    '{"toUserId":',
    `{"toUserId":"bob","amount":100,"note":${'['.repeat(100)}${']'.repeat(100)}}`,
    '"bob"',
  ];

  it('finds every route of the app', () => {
    const routes = zan.app.get(EarlyAuthentication).routeKeys();
    expect(routes).toEqual(
      expect.arrayContaining(['POST /v1/transfers', 'POST /v1/tips', 'GET /v1/wallets/:userid', 'POST /v1/admin/wallets/:userid/verification']),
    );
  });

  it.each(badBodies)('answers 401 to a bad body without a token, or with a bad one: %s', async (raw) => {
    for (const token of [undefined, 'x.y.z', clientFor(zan.app, 'alice', { secret: 'another secret of at least 32 bytes!!' }).token]) {
      const answer = await post('/v1/transfers', raw, token).expect(401);
      expect(answer.headers['content-type']).toBe('application/problem+json; charset=utf-8');
      expect(answer.headers['www-authenticate']).toBe('Bearer');
      expect(answer.body).toMatchObject({ status: 401, type: expect.stringMatching(/unauthorized$/) });
      expect(JSON.stringify(answer.body)).not.toMatch(/amount|toUserId|deep|body/);
    }
  });

  it('answers 401 to a body too large without a token, and 413 to an authenticated caller', async () => {
    const large = JSON.stringify({ toUserId: 'bob', amount: 100, note: 'x'.repeat(70 * 1024) });
    await post('/v1/transfers', large).expect(401);
    await post('/v1/transfers', large, clientFor(zan.app, 'alice').token).expect(413);
  });

  it('tells an authenticated caller what is wrong with the body, as before', async () => {
    const alice = clientFor(zan.app, 'alice');
    for (const raw of badBodies) {
      const answer = await post('/v1/transfers', raw, alice.token).expect(400);
      expect(answer.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    }
  });

  it('answers 403 to a caller without the admin role on an admin route, whatever the body', async () => {
    const mallory = clientFor(zan.app, 'mallory');
    const answer = await post('/v1/admin/wallets/alice/verification', '{"decision":"rejected","decision":"verified"}', mallory.token).expect(403);
    expect(answer.body).toMatchObject({ status: 403 });
    await post('/v1/admin/wallets/alice/verification', '{"decision":', undefined).expect(401);
  });

  it('answers 401 to a GET with a body without a token, and a bad token on a query too', async () => {
    await request(server()).get('/v1/wallets/me').set('Content-Type', 'application/json').send('{"a":1,"a":2}').expect(401);
    await request(server()).get('/v1/wallets/me').set('Authorization', 'Bearer x.y.z').expect(401);
  });

  it('leaves a public route to its own checks: the provider callback reads its body and checks its signature', async () => {
    const answer = await post('/v1/verification-callbacks', '{"a":1,"a":2}').expect(400);
    expect(answer.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    await request(server()).get('/health/live').expect(200);
  });

  it('verifies a token once per request, and a good request still goes through', async () => {
    const { client: bob } = await fundedUser(zan.app, 'bob-auth-early', 1_000);
    await clientFor(zan.app, 'carol-auth-early').post('/v1/wallets', { kind: 'individual' }).expect(201);
    const before = verified.mock.calls.length;
    await bob.post('/v1/transfers', { toUserId: 'carol-auth-early', amount: 100 }).expect(201);
    expect(verified.mock.calls.length - before).toBe(1);
  });
});
