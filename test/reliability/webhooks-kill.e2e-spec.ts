import { rmSync } from 'node:fs';
import { EVENT_STORE, type EventStore } from '@zan/event-store';
import { clientFor } from '../support/http-client';
import { freshDataDir } from '../support/data-dirs';
import { eventually } from '../support/eventually';
import { type AppProcess, startApp } from '../support/processes';
import { startFullStackInProcess } from '../support/stacks';
import { TEST_JWT_SECRET } from '../support/tokens';
import { WebhookReceiver } from '../support/webhook-receiver';

/**
 * The dispatcher as its own process on the full stack, SIGKILLed while a delivery is in flight:
 * started again, it sends that delivery again and every other event, each stream still in order.
 */
describe('webhooks: the dispatcher killed mid-delivery (full stack, Kafka)', () => {
  it('delivers every event at least once after a restart, in order per stream', async () => {
    const stack = await startFullStackInProcess('webhooks-kill', { env: { ZAN_WEBHOOKS_ALLOW_PRIVATE: 'true' } });
    const receiver = await WebhookReceiver.start();
    const env = {
      ...stack.env,
      ZAN_WEBHOOKS_ALLOW_PRIVATE: 'true',
      ZAN_WEBHOOKS_RETRY_BASE_MS: '100',
      ZAN_WEBHOOKS_RETRY_MAX_MS: '400',
      ZAN_LOG_LEVEL: 'warn',
    };
    let dispatcher: AppProcess | undefined;
    try {
      const admin = clientFor(stack.app, 'root', { roles: ['admin'] });
      const { endpointId, secret } = (
        await admin.post('/v1/webhooks/endpoints', { url: receiver.url, events: ['ArticlePublished', 'ArticleLiked'] }, null).expect(201)
      ).body;
      let hung: string | undefined;
      // The 12th request never gets an answer: the process dies with it in flight.
      receiver.behaviour = () => {
        if (receiver.received.length === 12 && !hung) {
          hung = receiver.received[11]!.id;
          return new Promise<number>(() => undefined);
        }
        return new Promise<number>((resolve) => setTimeout(() => resolve(200), 10));
      };
      dispatcher = await startApp('webhooks', env, /zan webhooks: health and metrics on/);
      const articles = ['k1', 'k2', 'k3'];
      for (const article of articles)
        await clientFor(stack.app, `author-${article}`).post('/v1/articles', { articleId: article, title: article }, null).expect(201);
      for (let i = 0; i < 10; i++) {
        await Promise.all(articles.map((article) => clientFor(stack.app, `reader-${i}`).post(`/v1/articles/${article}/likes`, undefined, null).expect(201)));
      }
      await eventually('a delivery in flight', async () => hung !== undefined, 30_000);
      await dispatcher.kill('SIGKILL');
      const beforeRestart = receiver.received.length;

      dispatcher = await startApp('webhooks', env, /zan webhooks: health and metrics on/);
      const events = (await stack.app.get<EventStore>(EVENT_STORE).readAll()).filter((e) => e.streamId.startsWith('article-k'));
      expect(events).toHaveLength(33);
      await eventually('every event delivered', async () => events.every((e) => receiver.ids().includes(e.id)), 60_000);
      expect(receiver.received.length).toBeGreaterThan(beforeRestart);
      expect(receiver.ids().filter((id) => id === hung).length).toBeGreaterThanOrEqual(2);
      for (const article of articles) {
        const sequences = receiver.received.filter((r) => r.event.subject === `article-${article}`).map((r) => Number(r.event.sequence));
        // At least once: a redelivery may repeat the event in flight, never go back past it.
        const distinct = sequences.filter((s, i) => s !== sequences[i - 1]);
        expect(distinct).toEqual(Array.from({ length: 11 }, (_, i) => i));
      }
      for (const r of receiver.received) expect(() => WebhookReceiver.verify(r, secret)).not.toThrow();
      const log = (await admin.get(`/v1/webhooks/endpoints/${endpointId}/deliveries?limit=1000`).expect(200)).body as { status: string }[];
      expect(log.filter((a) => a.status === 'delivered').length).toBeGreaterThanOrEqual(33);
    } finally {
      await dispatcher?.kill('SIGKILL');
      await receiver.close();
      await stack.close();
    }
  }, 180_000);
});

/**
 * The zero-setup default as a process (api, relay, projector and webhooks on the embedded store),
 * SIGKILLed with a delivery in flight: started again on the same data folder, every event arrives,
 * each stream in order (the in-process bus is republished from the start; queued rows dedupe it).
 */
describe('webhooks: npm start killed mid-delivery (embedded)', () => {
  it('delivers every event at least once after a restart, in order per stream', async () => {
    const dataDir = await freshDataDir('zan-webhooks-kill-');
    const env = {
      ZAN_DATA_DIR: dataDir,
      ZAN_JWT_SECRET: TEST_JWT_SECRET,
      ZAN_WEBHOOKS_ALLOW_PRIVATE: 'true',
      ZAN_WEBHOOKS_RETRY_BASE_MS: '100',
      ZAN_WEBHOOKS_RETRY_MAX_MS: '400',
      ZAN_LOG_LEVEL: 'warn',
    };
    const receiver = await WebhookReceiver.start();
    let zan: AppProcess | undefined;
    const start = async () => {
      zan = await startApp('zan', env, /listening on http:\/\/127\.0\.0\.1:\d+/, 90_000);
      return /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(zan.output())![1]!;
    };
    try {
      let base = await start();
      const admin = clientFor(base, 'root', { roles: ['admin'] });
      const { secret } = (await admin.post('/v1/webhooks/endpoints', { url: receiver.url, events: ['ArticlePublished', 'ArticleLiked'] }, null).expect(201))
        .body;
      let hung: string | undefined;
      receiver.behaviour = () => {
        if (receiver.received.length === 12 && !hung) {
          hung = receiver.received[11]!.id;
          return new Promise<number>(() => undefined);
        }
        return 200;
      };
      const articles = ['e1', 'e2', 'e3'];
      for (const article of articles) await clientFor(base, `author-${article}`).post('/v1/articles', { articleId: article, title: article }, null).expect(201);
      for (let i = 0; i < 10; i++) {
        await Promise.all(articles.map((article) => clientFor(base, `reader-${i}`).post(`/v1/articles/${article}/likes`, undefined, null).expect(201)));
      }
      await eventually('a delivery in flight', async () => hung !== undefined, 30_000);
      await zan!.kill('SIGKILL');

      base = await start();
      const expected = articles.flatMap((article) => Array.from({ length: 11 }, (_, sequence) => `${article}:${sequence}`));
      const seen = () => new Set(receiver.received.map((r) => `${String(r.event.subject).replace('article-', '')}:${r.event.sequence}`));
      await eventually('every event delivered', async () => expected.every((key) => seen().has(key)), 60_000);
      expect(receiver.ids().filter((id) => id === hung).length).toBeGreaterThanOrEqual(2);
      for (const article of articles) {
        const sequences = receiver.received.filter((r) => r.event.subject === `article-${article}`).map((r) => Number(r.event.sequence));
        expect(sequences.filter((s, i) => s !== sequences[i - 1])).toEqual(Array.from({ length: 11 }, (_, i) => i));
      }
      for (const r of receiver.received) expect(() => WebhookReceiver.verify(r, secret)).not.toThrow();
    } finally {
      await zan?.kill('SIGKILL');
      await receiver.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 240_000);
});
