import type { INestApplication } from '@nestjs/common';
import { createZanApp } from '../../apps/zan/src/zan.app';
import { SharedClock, loadConfig } from '@zan/platform';
import { EVENT_STORE, type EventStore } from '@zan/event-store';
import { WEBHOOK_STORE, announceDisabled, type WebhookStore } from '@zan/webhooks';
import request from 'supertest';
import { clientFor } from '../support/http-client';
import { eventually } from '../support/eventually';
import { startEmbeddedZan, startFullStackInProcess } from '../support/stacks';
import { type ReceivedWebhook, WebhookReceiver } from '../support/webhook-receiver';

/** Short retry settings so a spec sees several attempts; the defaults are 5 s doubling to 1 h, for 24 h. */
const FAST_RETRIES = {
  ZAN_WEBHOOKS_ALLOW_PRIVATE: 'true',
  ZAN_WEBHOOKS_RETRY_BASE_MS: '100',
  ZAN_WEBHOOKS_RETRY_MAX_MS: '400',
  ZAN_WEBHOOKS_TIMEOUT_MS: '1000',
};

interface Stack {
  app: INestApplication;
  close(): Promise<void>;
}

const embedded = async (env: Record<string, string> = {}): Promise<Stack> => startEmbeddedZan({ env: { ...FAST_RETRIES, ...env } });

/** api, relay and projector as the full stack runs them, and the dispatcher as a fourth app on Kafka. */
const fullStack = async (env: Record<string, string> = {}): Promise<Stack> => {
  const stack = await startFullStackInProcess('webhooks', { env: { ...FAST_RETRIES, ...env } });
  const webhooks = await createZanApp({ config: loadConfig(stack.env), roles: ['webhooks'], logger: ['error', 'fatal'] });
  await webhooks.init();
  return {
    app: stack.app,
    close: async () => {
      await webhooks.close();
      await stack.close();
    },
  };
};

const adminOf = (app: INestApplication) => clientFor(app, 'root', { roles: ['admin'] });

const subscribe = async (app: INestApplication, url: string, events: string[]) => {
  const created = await adminOf(app).post('/v1/webhooks/endpoints', { url, events, description: 'spec' }, null).expect(201);
  return created.body as { endpointId: string; secret: string };
};

const publish = (app: INestApplication, author: string, articleId: string) =>
  clientFor(app, author)
    .post('/v1/articles', { articleId, title: `Article ${articleId}` }, null)
    .expect(201);
const like = (app: INestApplication, reader: string, articleId: string) =>
  clientFor(app, reader).post(`/v1/articles/${articleId}/likes`, undefined, null).expect(201);

/** Per subject, the sequences in the order they arrived. */
const sequencesBySubject = (received: ReceivedWebhook[]): Map<string, number[]> => {
  const by = new Map<string, number[]>();
  for (const r of received) by.set(r.event.subject, [...(by.get(r.event.subject) ?? []), Number(r.event.sequence)]);
  return by;
};

const describeWebhooks = (name: string, start: typeof embedded) =>
  describe(`webhooks (${name})`, () => {
    let stack: Stack;
    let receiver: WebhookReceiver;
    beforeAll(async () => {
      stack = await start();
    }, 120_000);
    afterAll(async () => {
      await stack?.close();
    }, 60_000);
    beforeEach(async () => {
      receiver = await WebhookReceiver.start();
    });
    afterEach(async () => {
      await receiver.close();
    });

    it('delivers the CloudEvents JSON form, signed so the Standard Webhooks verifier accepts it', async () => {
      const { endpointId, secret } = await subscribe(stack.app, receiver.url, ['ArticlePublished', 'ArticleLiked']);
      expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
      await publish(stack.app, 'sig-author', 'sig-1');
      await like(stack.app, 'sig-reader', 'sig-1');
      await eventually('two deliveries', async () => receiver.received.length >= 2);
      const [published, liked] = receiver.received;
      for (const r of [published!, liked!]) {
        expect(WebhookReceiver.verify(r, secret)).toEqual(r.event);
        expect(r.id).toBe(r.event.id);
        expect(() => WebhookReceiver.verify(r, `whsec_${Buffer.alloc(24).toString('base64')}`)).toThrow();
      }
      expect(published!.event).toMatchObject({
        specversion: '1.0',
        type: 'zan.ArticlePublished.v1',
        source: 'urn:zan:article',
        subject: 'article-sig-1',
        datacontenttype: 'application/json',
        sequence: '0',
        data: { articleId: 'sig-1', authorId: 'sig-author', title: 'Article sig-1' },
      });
      expect(liked!.event).toMatchObject({ type: 'zan.ArticleLiked.v1', subject: 'article-sig-1', sequence: '1', data: { userId: 'sig-reader' } });
      const log = await adminOf(stack.app).get(`/v1/webhooks/endpoints/${endpointId}/deliveries?limit=10`).expect(200);
      expect(log.body).toEqual([
        { eventId: liked!.id, type: 'ArticleLiked', attempt: 1, status: 'delivered', at: expect.any(String), responseStatus: 204 },
        { eventId: published!.id, type: 'ArticlePublished', attempt: 1, status: 'delivered', at: expect.any(String), responseStatus: 204 },
      ]);
      // Operations: deliveries by endpoint and outcome, the backlog's age, readiness (where the dispatcher runs).
      if (name === 'embedded') {
        const metrics = (await request(stack.app.getHttpServer()).get('/metrics').expect(200)).text;
        expect(metrics).toContain(`zan_webhook_deliveries_total{endpoint="${endpointId}",outcome="delivered"} 2`);
        expect(metrics).toMatch(/zan_webhook_oldest_undelivered_seconds \d/);
        const ready = (await request(stack.app.getHttpServer()).get('/health/ready').expect(200)).body;
        expect(ready.details.webhooks).toMatchObject({ status: 'up', role: 'leader', pending: 0 });
      }
      await adminOf(stack.app).delete(`/v1/webhooks/endpoints/${endpointId}`).expect(204);
    });

    it('keeps each stream in order, and a slow stream holds up no other', async () => {
      const { endpointId } = await subscribe(stack.app, receiver.url, ['ArticlePublished', 'ArticleLiked']);
      let releaseSlow!: () => void;
      const slowReleased = new Promise<number>((resolve) => (releaseSlow = () => resolve(200)));
      // The slow stream's first event is held until every event of the fast stream has arrived.
      receiver.behaviour = (r) => (r.event.subject === 'article-slow' ? slowReleased : 200);
      await publish(stack.app, 'ord-a', 'slow');
      await publish(stack.app, 'ord-b', 'fast');
      const readers = Array.from({ length: 8 }, (_, i) => `ord-r${i}`);
      await Promise.all(readers.flatMap((reader) => [like(stack.app, reader, 'slow'), like(stack.app, reader, 'fast')]));
      await eventually(
        'the fast stream delivered while the slow one waits',
        async () => (sequencesBySubject(receiver.received).get('article-fast')?.length ?? 0) === 9,
      );
      // Held past the 1 s timeout, the slow stream's first event is tried again, and nothing after it goes.
      expect(new Set(sequencesBySubject(receiver.received).get('article-slow'))).toEqual(new Set([0]));
      releaseSlow();
      await eventually('the slow stream delivered', async () => (sequencesBySubject(receiver.received).get('article-slow')?.at(-1) ?? -1) === 8);
      const expected = Array.from({ length: 9 }, (_, i) => i);
      expect(sequencesBySubject(receiver.received).get('article-fast')).toEqual(expected);
      const slow = sequencesBySubject(receiver.received).get('article-slow')!;
      expect(slow.filter((sequence, i) => sequence !== slow[i - 1])).toEqual(expected);
      await adminOf(stack.app).delete(`/v1/webhooks/endpoints/${endpointId}`).expect(204);
    });

    it('retries a failing receiver with the same webhook-id until it recovers, and times out one that hangs', async () => {
      const { endpointId, secret } = await subscribe(stack.app, receiver.url, ['ArticlePublished', 'ArticleLiked']);
      // The publication fails three times then succeeds; the like hangs on its first attempt.
      receiver.behaviour = (r, attempt) => {
        if (r.event.type === 'zan.ArticlePublished.v1') return attempt <= 3 ? 503 : 200;
        return attempt === 1 ? new Promise<number>(() => undefined) : 200;
      };
      await publish(stack.app, 'retry-author', 'retry-1');
      await like(stack.app, 'retry-reader', 'retry-1');
      await eventually(
        'both delivered',
        async () => {
          const log = (await adminOf(stack.app).get(`/v1/webhooks/endpoints/${endpointId}/deliveries`)).body as { status: string }[];
          return log.filter((a) => a.status === 'delivered').length === 2;
        },
        30_000,
      );
      const published = receiver.received.filter((r) => r.event.type === 'zan.ArticlePublished.v1');
      const liked = receiver.received.filter((r) => r.event.type === 'zan.ArticleLiked.v1');
      expect(published).toHaveLength(4);
      expect(new Set(published.map((r) => r.id)).size).toBe(1);
      expect(liked).toHaveLength(2);
      expect(liked[0]!.id).toBe(liked[1]!.id);
      // In order: the like went out only once the publication was delivered.
      expect(receiver.received.indexOf(liked[0]!)).toBeGreaterThan(receiver.received.indexOf(published[3]!));
      for (const r of receiver.received) expect(() => WebhookReceiver.verify(r, secret)).not.toThrow();
      const log = (await adminOf(stack.app).get(`/v1/webhooks/endpoints/${endpointId}/deliveries`).expect(200)).body;
      expect(
        log.map((a: { type: string; attempt: number; status: string; responseStatus: number | null }) => [a.type, a.attempt, a.status, a.responseStatus]),
      ).toEqual([
        ['ArticleLiked', 2, 'delivered', 200],
        ['ArticleLiked', 1, 'retrying', null],
        ['ArticlePublished', 4, 'delivered', 200],
        ['ArticlePublished', 3, 'retrying', 503],
        ['ArticlePublished', 2, 'retrying', 503],
        ['ArticlePublished', 1, 'retrying', 503],
      ]);
      expect(log[1].error).toMatch(/within 1000 ms/);
      await adminOf(stack.app).delete(`/v1/webhooks/endpoints/${endpointId}`).expect(204);
    });

    it('replays a position range with the original webhook-ids, and signs with both secrets during a rotation', async () => {
      const { endpointId, secret } = await subscribe(stack.app, receiver.url, ['ArticlePublished', 'ArticleLiked']);
      const first = await publish(stack.app, 'rep-author', 'rep-1');
      await like(stack.app, 'rep-reader', 'rep-1');
      await eventually('two deliveries', async () => receiver.received.length === 2);
      const original = receiver.ids();
      const rotated = await adminOf(stack.app).post(`/v1/webhooks/endpoints/${endpointId}/secret-rotations`, undefined, null).expect(201);
      expect(rotated.body.secret).toMatch(/^whsec_/);
      const before = BigInt(first.body.position) - 1n;
      const accepted = await adminOf(stack.app).post(`/v1/webhooks/endpoints/${endpointId}/replays`, { after: before.toString() }, null).expect(202);
      expect(accepted.body).toMatchObject({ endpointId, after: before.toString() });
      await eventually('the replay delivered', async () => receiver.received.length === 4);
      expect(receiver.ids().slice(2)).toEqual(original);
      for (const r of receiver.received.slice(2)) {
        expect(r.signature.split(' ')).toHaveLength(2);
        expect(() => WebhookReceiver.verify(r, secret)).not.toThrow();
        expect(() => WebhookReceiver.verify(r, rotated.body.secret)).not.toThrow();
      }
      const [listed] = (await adminOf(stack.app).get('/v1/webhooks/endpoints').expect(200)).body.filter(
        (e: { endpointId: string }) => e.endpointId === endpointId,
      );
      expect(listed).toMatchObject({ endpointId, url: receiver.url, status: 'enabled', previousSecretRetiresAt: rotated.body.previousSecretRetiresAt });
      expect(JSON.stringify(listed)).not.toContain('whsec_');
      await adminOf(stack.app).delete(`/v1/webhooks/endpoints/${endpointId}`).expect(204);
    });

    it('is admin-only: 401 without a token, 403 for a user, and bad input is a 400 that creates nothing', async () => {
      const id = '00000000-0000-4000-8000-000000000000';
      const routes: [string, string, object?][] = [
        ['post', '/v1/webhooks/endpoints', { url: receiver.url, events: ['TipReceived'] }],
        ['get', '/v1/webhooks/endpoints'],
        ['delete', `/v1/webhooks/endpoints/${id}`],
        ['get', `/v1/webhooks/endpoints/${id}/deliveries`],
        ['post', `/v1/webhooks/endpoints/${id}/replays`, { after: '0' }],
      ];
      const user = clientFor(stack.app, 'plain-user');
      for (const [method, path, body] of routes) {
        const anonymous = (request(stack.app.getHttpServer()) as unknown as Record<string, (p: string) => import('supertest').Test>)[method]!(path);
        expect((await (body ? anonymous.send(body) : anonymous)).status).toBe(401);
        const asUser = method === 'post' ? user.post(path, body, null) : method === 'get' ? user.get(path) : user.delete(path);
        expect((await asUser).status).toBe(403);
      }
      const admin = adminOf(stack.app);
      const before = (await admin.get('/v1/webhooks/endpoints').expect(200)).body.length;
      const bad: [object, string][] = [
        [{ url: 'ftp://example.com/x', events: ['TipReceived'] }, 'url'],
        [{ url: 'not a url', events: ['TipReceived'] }, 'url'],
        [{ url: 'https://user:pw@example.com/', events: ['TipReceived'] }, 'url'],
        [{ url: 'https://example.com/', events: [] }, 'events'],
        [{ url: 'https://example.com/', events: ['NoSuchEvent'] }, 'events'],
        [{ url: 'https://example.com/', events: ['TipReceived'], extra: true }, 'extra'],
        [{ url: 'https://example.com/', events: ['TipReceived'], description: 'bell\u0007' }, 'description'],
      ];
      for (const [body, field] of bad) {
        const refused = await admin.post('/v1/webhooks/endpoints', body, null).expect(400);
        expect(JSON.stringify(refused.body)).toContain(field);
      }
      expect((await admin.get('/v1/webhooks/endpoints').expect(200)).body).toHaveLength(before);
      await admin.get(`/v1/webhooks/endpoints/${id}/deliveries`).expect(404);
      await admin.get(`/v1/webhooks/endpoints/not-an-id/deliveries`).expect(404);
      await admin.get(`/v1/webhooks/endpoints/${id}/deliveries?limit=0`).expect(400);
      await admin.post(`/v1/webhooks/endpoints/${id}/replays`, { after: '-1' }, null).expect(400);
    });
  });

describeWebhooks('embedded', embedded);
describeWebhooks('full stack, Kafka', fullStack);
// Webhook state in Redis, as beside EventStoreDB (which does not run here): chosen by the setting.
describeWebhooks('full stack, Kafka, state in Redis', (env = {}) => fullStack({ ...env, ZAN_WEBHOOKS_STORE: 'redis' }));

describe('webhooks: an endpoint failing every delivery is disabled (embedded, a 2 s disable window)', () => {
  it('disables it, stops sending, sends what was queued once enabled again, and replays what it missed', async () => {
    const stack = await embedded({ ZAN_WEBHOOKS_DISABLE_AFTER_MS: '2000' });
    const receiver = await WebhookReceiver.start();
    try {
      let up = false;
      receiver.behaviour = () => (up ? 200 : 500);
      const { endpointId } = await subscribe(stack.app, receiver.url, ['ArticlePublished']);
      await publish(stack.app, 'dis-author', 'dis-1');
      const admin = adminOf(stack.app);
      await eventually('disabled', async () => (await admin.get('/v1/webhooks/endpoints')).body[0]?.status === 'disabled', 20_000);
      const [endpoint] = (await admin.get('/v1/webhooks/endpoints').expect(200)).body;
      expect(endpoint).toMatchObject({
        endpointId,
        status: 'disabled',
        disabledReason: expect.stringMatching(/^every delivery failed since /),
        disabledAt: expect.any(String),
      });
      // The event saying so: stored once on webhook-endpoint-<id>, and once only however often it is announced.
      const events = stack.app.get<EventStore>(EVENT_STORE);
      const store = stack.app.get<WebhookStore>(WEBHOOK_STORE);
      const disabledEvents = async () => events.readStream(`webhook-endpoint-${endpointId}`);
      await eventually('WebhookEndpointDisabled stored', async () => (await disabledEvents()).length > 0);
      expect(await announceDisabled(events, store, (await store.endpoint(endpointId))!)).toBe(false);
      const stored = await disabledEvents();
      expect(stored).toEqual([
        expect.objectContaining({
          type: 'WebhookEndpointDisabled',
          data: { endpointId, reason: endpoint.disabledReason, failingSince: expect.any(String), disabledAt: endpoint.disabledAt },
          metadata: expect.objectContaining({ correlationId: endpointId, userId: 'system:webhooks' }),
        }),
      ]);
      const attempts = receiver.received.length;
      expect(attempts).toBeGreaterThan(1);
      const second = await publish(stack.app, 'dis-author', 'dis-2');
      up = true;
      // A disabled endpoint gets nothing: the first publication waits in its queue, the second is not queued.
      expect((await store.backlog()).pending).toBe(1);
      expect(receiver.received.length).toBe(attempts);
      await admin.post(`/v1/webhooks/endpoints/${endpointId}/enable`, undefined, null).expect(204);
      await eventually('the queued one delivered once enabled', async () => (await store.backlog()).pending === 0);
      expect(receiver.received.at(-1)!.event.subject).toBe('article-dis-1');
      // What it missed while disabled comes by a replay.
      await admin.post(`/v1/webhooks/endpoints/${endpointId}/replays`, { after: (BigInt(second.body.position) - 1n).toString() }, null).expect(202);
      await eventually('the missed one replayed', async () => receiver.received.at(-1)?.event.subject === 'article-dis-2');
      expect(await disabledEvents()).toHaveLength(1);
    } finally {
      await receiver.close();
      await stack.close();
    }
  }, 120_000);
});

describe('webhooks: SSRF (embedded, ZAN_WEBHOOKS_ALLOW_PRIVATE unset)', () => {
  it('refuses private targets when subscribing, and at delivery after resolving the name', async () => {
    const stack = await startEmbeddedZan({ env: { ZAN_WEBHOOKS_RETRY_BASE_MS: '100', ZAN_WEBHOOKS_RETRY_MAX_MS: '200' } });
    const receiver = await WebhookReceiver.start();
    try {
      const admin = adminOf(stack.app);
      for (const url of [
        'http://example.com/hooks',
        'https://127.0.0.1/x',
        'https://[::1]/x',
        'https://[::ffff:127.0.0.1]/x',
        'https://169.254.169.254/latest',
        'https://10.1.2.3/',
        'https://localhost/x',
      ]) {
        const refused = await admin.post('/v1/webhooks/endpoints', { url, events: ['ArticlePublished'] }, null).expect(400);
        expect(refused.body.errors).toEqual([expect.objectContaining({ field: 'url' })]);
      }
      // A name that resolves to loopback is only known at delivery: stored as an operator could, it is refused there.
      const store = stack.app.get<WebhookStore>(WEBHOOK_STORE);
      const port = new URL(receiver.url).port;
      await store.createEndpoint({
        id: '11111111-1111-4111-8111-111111111111',
        url: `http://localhost:${port}/hooks`,
        events: ['ArticlePublished'],
        status: 'enabled',
        fromPosition: 0n,
        createdAt: new Date().toISOString(),
        secrets: [{ secret: `whsec_${Buffer.alloc(24, 1).toString('base64')}` }],
      });
      await publish(stack.app, 'ssrf-author', 'ssrf-1');
      await eventually('refused twice', async () => {
        const log = (await admin.get('/v1/webhooks/endpoints/11111111-1111-4111-8111-111111111111/deliveries')).body as { status: string }[];
        return log.filter((a) => a.status === 'refused').length >= 2;
      });
      const [last] = (await admin.get('/v1/webhooks/endpoints/11111111-1111-4111-8111-111111111111/deliveries').expect(200)).body;
      expect(last).toMatchObject({
        type: 'ArticlePublished',
        status: 'refused',
        responseStatus: null,
        error: expect.stringMatching(/localhost resolves to (127\.0\.0\.1|::1)/),
      });
      expect(receiver.received).toHaveLength(0);
    } finally {
      await receiver.close();
      await stack.close();
    }
  }, 120_000);
});

/**
 * A replica whose own clock runs 60 s fast decides by the timer store's time (SharedClock, 60 s
 * behind its own). The dispatcher claims by that time, so the store must queue by it too: a delivery
 * queued at the machine's own time was due only 60 s later by the dispatcher's, every webhook late
 * by the skew.
 */
describe('webhooks: a replica whose own clock is 60 s fast (embedded)', () => {
  it('delivers at once, not 60 s late', async () => {
    const clock = await SharedClock.started(async () => new Date(Date.now() - 60_000));
    const stack = await startEmbeddedZan({ clock, env: FAST_RETRIES });
    const receiver = await WebhookReceiver.start();
    try {
      await subscribe(stack.app, receiver.url, ['ArticlePublished']);
      await publish(stack.app, 'skew-author', 'skew-1');
      await eventually('the delivery', async () => receiver.received.length >= 1, 20_000);
      expect(receiver.received[0]!.event).toMatchObject({ type: 'zan.ArticlePublished.v1', subject: 'article-skew-1' });
    } finally {
      clock.stop();
      await receiver.close();
      await stack.close();
    }
  }, 60_000);
});
