import { BearerTokenVerifier } from '../../apps/api/src/auth/bearer-token';
import { RefusalGate } from '../../apps/api/src/refusal-gate/refusal-gate';
import { IdempotencyInterceptor } from '../../apps/api/src/idempotency/idempotency.interceptor';
import { CommandMetrics } from '../../apps/api/src/observability/command-metrics';
import { clientFor, fundedUser } from '../support/http-client';
import { type RunningZan, startEmbeddedZan } from '../support/stacks';
import { tokenFor } from '../support/tokens';
import request from 'supertest';

/**
 * The refusal gate (apps/api/src/http/refusal-gate.ts) answers a claim on a packet that is gone and
 * an order of a product sold out before Nest's pipeline, by the same guards, interceptor and filter:
 * the same answers, the rate limit counted once, the token verified once, and everything else left
 * to Nest.
 */
describe('the refusal gate (embedded)', () => {
  let zan: RunningZan;
  const intercepted = jest.spyOn(IdempotencyInterceptor.prototype, 'intercept');
  const verified = jest.spyOn(BearerTokenVerifier.prototype, 'verify');

  beforeAll(async () => {
    zan = await startEmbeddedZan({ env: { ZAN_RATE_LIMIT_PER_MINUTE: '8' } });
  }, 60_000);
  afterAll(async () => {
    await zan?.close();
    jest.restoreAllMocks();
  }, 60_000);

  /** A packet of one share, claimed: gone for everyone else. Its sender and winner are the only users it costs a request of the limit. */
  const gonePacket = async (label: string): Promise<string> => {
    const { client: sender } = await fundedUser(zan.app, `gate-sender-${label}`, 1_000);
    const sent = await sender.post('/v1/red-packets', { amount: 100, shares: 1, mode: 'equal' }).expect(201);
    await clientFor(zan.app, `gate-winner-${label}`).post(`/v1/red-packets/${sent.body.redPacketId}/claims`).expect(201);
    return sent.body.redPacketId as string;
  };

  /** Claims counted as refused in zan_commands_total: one per refusal answered, as Nest's way counts them. */
  const refusedClaims = async (): Promise<number> =>
    (await zan.app.get(CommandMetrics).commands.get()).values.find((v) => v.labels.command === 'ClaimRedPacket' && v.labels.outcome === 'rejected')?.value ?? 0;

  const counted = () => ({ intercepts: intercepted.mock.calls.length, verifies: verified.mock.calls.length });
  const since = (before: ReturnType<typeof counted>) => ({
    intercepts: intercepted.mock.calls.length - before.intercepts,
    verifies: verified.mock.calls.length - before.verifies,
  });

  it('gates exactly the routes with an up-front refusal', () => {
    expect(zan.app.get(RefusalGate).gatedRoutes().sort()).toEqual(['POST /v1/orders', 'POST /v1/red-packets/:id/claims']);
  });

  it('answers a gone packet before Nest, as Nest would, and stores the answer for the key', async () => {
    const packet = await gonePacket('a');
    const late = clientFor(zan.app, 'gate-late-a');
    const before = counted();
    const refused = await late.post(`/v1/red-packets/${packet}/claims`, undefined, 'late-a-1').set('X-Request-Id', 'gate-req-1').expect(410);
    expect(since(before)).toEqual({ intercepts: 0, verifies: 1 });
    expect(refused.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(refused.body).toEqual({
      type: expect.stringMatching(/red-packet-gone$/),
      title: expect.any(String),
      status: 410,
      detail: expect.any(String),
    });
    expect(refused.headers['x-request-id']).toBe('gate-req-1');
    expect(refused.headers['x-content-type-options']).toBe('nosniff'); // helmet's headers, as on every answer
    expect(refused.headers['x-ratelimit-limit-money']).toBe('8');
    expect(refused.headers['x-ratelimit-remaining-money']).toBe('7');

    // The same key again: the record outranks the gate, Nest replays it, the token verified once and the request counted once.
    const again = counted();
    const replayed = await late.post(`/v1/red-packets/${packet}/claims`, undefined, 'late-a-1').expect(410);
    expect(since(again)).toEqual({ intercepts: 1, verifies: 1 });
    expect(replayed.headers['idempotent-replayed']).toBe('true');
    expect(replayed.body).toEqual(refused.body);
    expect(replayed.headers['x-ratelimit-remaining-money']).toBe('6');

    // The key for another request: 409, never run (the record again, through Nest).
    const other = await gonePacket('b');
    expect((await late.post(`/v1/red-packets/${other}/claims`, undefined, 'late-a-1').expect(409)).body.type).toMatch(/idempotency-key-reused$/);
    // Three requests counted so far: five more are what the limit allows, the ninth is a 429, from the gate.
    for (let n = 2; n <= 6; n++) await late.post(`/v1/red-packets/${packet}/claims`, undefined, `late-a-${n}`).expect(410);
    const before429 = counted();
    const refusedBefore429 = await refusedClaims();
    const limited = await late.post(`/v1/red-packets/${packet}/claims`, undefined, 'late-a-7').expect(429);
    expect(since(before429)).toEqual({ intercepts: 0, verifies: 1 });
    expect(limited.body.type).toMatch(/rate-limited$/);
    expect(await refusedClaims()).toBe(refusedBefore429); // refused by the limit first, as Nest's way would
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.headers).toMatchObject({ 'x-ratelimit-limit-money': '8', 'x-ratelimit-remaining-money': '0' });
  });

  it('answers what Nest answers for a bad token, a missing or bad key, and a body, with nothing stored', async () => {
    const packet = await gonePacket('c');
    const server = zan.app.getHttpServer();
    const claim = () => request(server).post(`/v1/red-packets/${packet}/claims`);

    const refusedBefore = await refusedClaims();
    const badToken = await claim().set('Authorization', 'Bearer nope').set('Idempotency-Key', 'c-1').expect(401);
    expect(badToken.headers['www-authenticate']).toBe('Bearer');
    expect(badToken.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    await claim().set('Idempotency-Key', 'c-1').expect(401);
    const wrongSecret = tokenFor('gate-late-c', 'another-secret-of-at-least-32-characters!!');
    await claim().set('Authorization', `Bearer ${wrongSecret}`).set('Idempotency-Key', 'c-1').expect(401);

    const late = clientFor(zan.app, 'gate-late-c');
    expect((await late.post(`/v1/red-packets/${packet}/claims`, undefined, null).expect(400)).body.type).toMatch(/idempotency-key-missing$/);
    expect((await late.post(`/v1/red-packets/${packet}/claims`, undefined, 'bad\u00e9key').expect(400)).body.type).toMatch(/idempotency-key-invalid$/);
    expect(await refusedClaims()).toBe(refusedBefore); // none of them reached the refusal
    // A body is bad input: the route's own 400, through Nest (the gate does not refuse what the route would answer otherwise).
    const before = counted();
    expect((await late.post(`/v1/red-packets/${packet}/claims`, { amount: 1 }, 'c-2').expect(400)).body.type).toMatch(/validation$/);
    expect(since(before).intercepts).toBe(1);
    // None of these stored an answer for their key: the same key on a live packet is a claim, and wins.
    const live = await (
      await fundedUser(zan.app, 'gate-sender-c2', 1_000)
    ).client
      .post('/v1/red-packets', { amount: 100, shares: 1, mode: 'equal' })
      .expect(201);
    await late.post(`/v1/red-packets/${live.body.redPacketId}/claims`, undefined, 'c-2').expect(201);
  });

  it('answers an order of a sold-out product before Nest; a claim that can still win goes through Nest', async () => {
    const { client: shop } = await fundedUser(zan.app, 'gate-shop', 0, 'business');
    const { productId } = (await shop.post('/v1/merchants/me/products', { title: '限量', price: 100, stock: 1 }).expect(201)).body;
    const order = { productId, quantity: 1, expectedPrice: 100 };
    await (await fundedUser(zan.app, 'gate-buyer-1', 1_000)).client.post('/v1/orders', order).expect(201);
    const { client: late } = await fundedUser(zan.app, 'gate-buyer-2', 1_000);
    // The first refusal may be the command's (the api confirms the sold-out state), the next ones are
    // the gate's while that confirmation is fresh (FRESH_MS, 500 ms): on a slow machine the two
    // requests may fall further apart, so the pair is tried a few times.
    let gated: { intercepts: number; verifies: number } | undefined;
    for (let attempt = 0; attempt < 5 && gated?.intercepts !== 0; attempt++) {
      await late.post('/v1/orders', order).expect(410);
      const before = counted();
      expect((await late.post('/v1/orders', order).expect(410)).body.type).toMatch(/sold-out$/);
      gated = since(before);
    }
    expect(gated).toEqual({ intercepts: 0, verifies: 1 });

    const live = await (
      await fundedUser(zan.app, 'gate-sender-d', 1_000)
    ).client
      .post('/v1/red-packets', { amount: 100, shares: 1, mode: 'equal' })
      .expect(201);
    const winning = counted();
    await clientFor(zan.app, 'gate-winner-live').post(`/v1/red-packets/${live.body.redPacketId}/claims`).expect(201);
    expect(since(winning)).toEqual({ intercepts: 1, verifies: 1 });
  });
});
