import request from 'supertest';
import { RequestMethod, type INestApplication } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ModulesContainer } from '@nestjs/core';
import { EVENT_METADATA_SCHEMA, EVENT_SCHEMAS, type ZanEventType } from '@zan/contracts';
import { EVENT_STORE, type EventStore } from '@zan/event-store';
import { eventually } from '../support/eventually';
import { violations } from '../support/json-schema';
import { fundedUser, publishArticle } from '../support/http-client';
import { startEmbeddedZan, startFullStackInProcess } from '../support/stacks';

/** A metric's value from a Prometheus text page (the sum over series matching the labels). */
export const metric = (page: string, name: string, labels: Record<string, string> = {}): number | undefined => {
  let found: number | undefined;
  for (const line of page.split('\n')) {
    if (!line.startsWith(`${name} `) && !line.startsWith(`${name}{`)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    found = (found ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return found;
};

const scrape = async (app: INestApplication): Promise<string> => {
  const response = await request(app.getHttpServer()).get('/metrics').expect(200);
  expect(response.headers['content-type']).toMatch(/^text\/plain/);
  return response.text;
};

/** Every route registered in Nest (every controller method with a route), as "METHOD /path/{param}". */
const registeredRoutes = (app: INestApplication): string[] => {
  const routes: string[] = [];
  for (const module of app.get(ModulesContainer).values()) {
    for (const { metatype } of module.controllers.values()) {
      if (!metatype) continue;
      const base = Reflect.getMetadata(PATH_METADATA, metatype) as string;
      for (const name of Object.getOwnPropertyNames(metatype.prototype)) {
        if (name === 'constructor') continue;
        const handler = metatype.prototype[name];
        const path = typeof handler === 'function' ? (Reflect.getMetadata(PATH_METADATA, handler) as string | undefined) : undefined;
        if (path === undefined) continue;
        const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
        const full = `/${[base, path].join('/')}`
          .replace(/\/+/g, '/')
          .replace(/(.)\/$/, '$1')
          .replace(/:([A-Za-z]+)/g, '{$1}');
        routes.push(`${method} ${full}`);
      }
    }
  }
  return routes;
};

describe('operability over the full stack (PostgreSQL, Kafka, Redis)', () => {
  let zan: Awaited<ReturnType<typeof startFullStackInProcess>>;
  beforeAll(async () => {
    zan = await startFullStackInProcess('operability');
  }, 120_000);
  afterAll(async () => {
    await zan?.close();
  }, 60_000);

  it('answers /health/live on every app without a token', async () => {
    for (const app of [zan.app, zan.relay, zan.projector]) {
      const live = await request(app.getHttpServer()).get('/health/live').expect(200);
      expect(live.body.status).toBe('ok');
    }
  });

  it('checks in /health/ready what each app really uses, and reports the relay and projector lag', async () => {
    const api = await request(zan.app.getHttpServer()).get('/health/ready').expect(200);
    expect(api.body.status).toBe('ok');
    expect(Object.keys(api.body.details).sort()).toEqual(['eventStore', 'readModels']);
    expect(api.body.details.eventStore).toMatchObject({ status: 'up', adapter: 'postgres' });
    expect(api.body.details.readModels).toMatchObject({ status: 'up', adapter: 'redis' });

    const relay = await request(zan.relay.getHttpServer()).get('/health/ready').expect(200);
    expect(Object.keys(relay.body.details).sort()).toEqual(['bus', 'eventStore', 'relay']);
    expect(relay.body.details.bus).toMatchObject({ status: 'up', adapter: 'kafka' });
    expect(relay.body.details.relay).toMatchObject({ status: 'up', lagEvents: expect.any(Number) });

    const projector = await request(zan.projector.getHttpServer()).get('/health/ready').expect(200);
    expect(Object.keys(projector.body.details).sort()).toEqual(['bus', 'projector', 'readModels']);
    expect(projector.body.details.projector).toMatchObject({ status: 'up', lagMessages: expect.any(Number), watermark: expect.stringMatching(/^\d+$/) });
  });

  it('counts commands, appends, replays and HTTP requests in the api, and events in the relay and projector', async () => {
    const { client } = await fundedUser(zan.app, 'mia', 0);
    const first = await client.post('/v1/wallets/me/fundings', { amount: 777, cardId: 'card-mia' }, 'metrics-1').expect(201);
    await client.post('/v1/wallets/me/fundings', { amount: 777, cardId: 'card-mia' }, 'metrics-1').expect(201);
    await client.post('/v1/wallets/me/withdrawals', { amount: 1_000_000, cardId: 'card-mia' }).expect(422);
    await client.get(`/v1/wallets/me?after=${first.body.position}`).expect(200);

    const api = await scrape(zan.app);
    expect(metric(api, 'zan_commands_total', { command: 'FundWallet', outcome: 'ok' })).toBe(1);
    expect(metric(api, 'zan_commands_total', { command: 'WithdrawFunds', outcome: 'rejected' })).toBe(1);
    expect(metric(api, 'zan_command_duration_seconds_count', { command: 'FundWallet' })).toBe(1);
    expect(metric(api, 'zan_event_store_append_duration_seconds_count', { outcome: 'ok' })).toBeGreaterThanOrEqual(3);
    expect(metric(api, 'zan_idempotent_replays_total', { route: '/v1/wallets/me/fundings' })).toBe(1);
    expect(metric(api, 'zan_http_requests_total', { method: 'POST', route: '/v1/wallets/me/fundings', status: '201' })).toBe(2);
    expect(metric(api, 'zan_http_requests_total', { method: 'GET', route: '/v1/wallets/me', status: '200' })).toBe(1);
    // No payment here waits for a credit: the in-flight gauge is there, and 0 once the credits caught up.
    await eventually('the credits to be caught up', async () => metric(await scrape(zan.app), 'zan_oldest_payment_in_flight_seconds') === 0);

    // The relay has published the 3 events (open, link, fund) and is not behind; the projector has applied them.
    await eventually('the relay to publish everything', async () => {
      const relay = await scrape(zan.relay);
      return (metric(relay, 'zan_relay_events_published_total') ?? 0) >= 3 && metric(relay, 'zan_relay_lag_events') === 0;
    });
    const relay = await scrape(zan.relay);
    expect(metric(relay, 'zan_relay_lag_positions')).toBe(0);
    expect(metric(relay, 'zan_relay_checkpoint_position')).toBe(Number(first.body.position));
    await eventually('the projector to commit everything', async () => metric(await scrape(zan.projector), 'zan_projector_lag_messages') === 0);
    const projector = await scrape(zan.projector);
    expect(metric(projector, 'zan_projector_events_applied_total')).toBeGreaterThanOrEqual(3);
    expect(metric(projector, 'zan_projector_dead_letters_total')).toBe(0);
    expect(metric(projector, 'zan_projector_watermark_position')).toBeGreaterThanOrEqual(Number(first.body.position));
  }, 60_000);

  it('stores events whose payloads and metadata match their documented JSON Schemas (docs/asyncapi.yaml)', async () => {
    const { client: ava } = await fundedUser(zan.app, 'ava', 5_000);
    const { client: ben } = await fundedUser(zan.app, 'ben', 0);
    await ava.post('/v1/wallets/me/withdrawals', { amount: 100, cardId: 'card-ava' }).expect(201);
    await ava.post('/v1/transfers', { toUserId: 'ben', amount: 200, note: '奶茶钱' }).expect(201);
    await publishArticle(zan.app, 'ben', 'why-zan', '为什么是赞');
    await ava.post('/v1/tips', { authorId: 'ben', articleId: 'why-zan', amount: 500, message: '赞!' }).expect(201);
    const sent = await ava.post('/v1/red-packets', { amount: 300, shares: 2, mode: 'lucky', recipients: ['ben', 'cat'] }).expect(201);
    await ben.post(`/v1/red-packets/${sent.body.redPacketId}/claims`).expect(201);

    const store = zan.app.get<EventStore>(EVENT_STORE);
    const credits = ['TransferReceived', 'TipReceived', 'RedPacketEscrowed', 'RedPacketShareReceived'];
    await eventually('the credits', async () => {
      const types = new Set((await store.readAll({ maxCount: 10_000 })).map((e) => e.type));
      return credits.every((type) => types.has(type));
    });
    const events = await store.readAll({ maxCount: 10_000 });
    expect(new Set(events.map((e) => e.type)).size).toBeGreaterThanOrEqual(12);
    for (const event of events) {
      const schema = EVENT_SCHEMAS[event.type as ZanEventType]?.[event.version];
      expect([event.type, event.version, schema ? violations(schema, event.data) : 'no schema']).toEqual([event.type, event.version, []]);
      expect(violations(EVENT_METADATA_SCHEMA, event.metadata)).toEqual([]);
    }
  }, 60_000);

  describe('OpenAPI', () => {
    let document: any;
    beforeAll(async () => {
      const response = await request(zan.app.getHttpServer()).get('/docs/openapi.json').expect(200);
      document = response.body;
    });

    it('serves the Swagger UI at /docs and OpenAPI 3 at /docs/openapi.json without a token', async () => {
      expect(document.openapi).toMatch(/^3\./);
      const ui = await request(zan.app.getHttpServer()).get('/docs').redirects(1).expect(200);
      expect(ui.text).toMatch(/swagger-ui/i);
    });

    it('documents every route registered in Nest', () => {
      const routes = registeredRoutes(zan.app);
      expect(routes.length).toBeGreaterThanOrEqual(17);
      const documented = Object.entries(document.paths as Record<string, object>).flatMap(([path, operations]) =>
        Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
      );
      expect(routes.filter((route) => !documented.includes(route))).toEqual([]);
    });

    it('documents bodies with examples in fen, answers, problems, the Idempotency-Key and the bearer scheme', () => {
      expect(document.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
      const fund = document.paths['/v1/wallets/me/fundings'].post;
      expect(fund.security).toEqual([{ bearer: [] }]);
      expect(fund.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'Idempotency-Key', in: 'header', required: true })]));
      expect(fund.requestBody.content['application/json'].schema.$ref).toBe('#/components/schemas/CardPaymentBody');
      expect(document.components.schemas.CardPaymentBody.properties.amount).toMatchObject({ type: 'integer', minimum: 1, example: 50_000 });
      expect(fund.responses['201'].content['application/json'].schema.$ref).toBe('#/components/schemas/FundedDoc');
      expect(fund.responses['422'].content['application/problem+json'].examples).toHaveProperty('card-not-linked');
      expect(fund.responses['400'].content['application/problem+json'].schema.$ref).toBe('#/components/schemas/ValidationProblemDoc');

      const money = ['/v1/wallets/me/fundings', '/v1/wallets/me/withdrawals', '/v1/transfers', '/v1/tips', '/v1/red-packets', '/v1/red-packets/{id}/claims'];
      for (const path of money) {
        const operation = document.paths[path].post;
        expect(operation.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'Idempotency-Key', required: true })]));
        expect(operation.responses['409'].content['application/problem+json'].examples).toHaveProperty('idempotency-key-reused');
        expect(operation.responses['401']).toBeDefined();
      }
      expect(document.paths['/v1/tips'].post.responses['422'].content['application/problem+json'].examples).toEqual(
        expect.objectContaining({
          'insufficient-funds': expect.anything(),
          'author-not-eligible': expect.anything(),
          'self-payment': expect.anything(),
          'daily-limit-exceeded': expect.anything(),
          'annual-limit-exceeded': expect.anything(),
        }),
      );
      expect(document.paths['/v1/red-packets/{id}/claims'].post.responses['410']).toBeDefined();
      expect(document.paths['/v1/wallets/me'].get.responses['503'].content['application/problem+json'].examples).toHaveProperty('read-model-behind');
      // Operations' own endpoints are public.
      expect(document.paths['/health/ready'].get.security).toBeUndefined();
      expect(document.paths['/metrics'].get.security).toBeUndefined();
    });
  });
});

describe('operability in the embedded mode', () => {
  it('reports the embedded components as up', async () => {
    const zan = await startEmbeddedZan();
    try {
      const ready = await request(zan.app.getHttpServer()).get('/health/ready').expect(200);
      expect(ready.body.details).toMatchObject({
        eventStore: { status: 'up', adapter: 'embedded' },
        bus: { status: 'up', adapter: 'in-process' },
        readModels: { status: 'up', adapter: 'memory' },
        relay: { status: 'up' },
        projector: { status: 'up' },
      });
    } finally {
      await zan.close();
    }
  }, 120_000); // the embedded store (PGlite) alone takes 15 s to start
});
