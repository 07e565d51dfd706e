import { Body, Controller, Global, Module, Post } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { storage } from 'nestjs-pino/storage';
import { createHttpApp } from '../http-platform';
import { ADAPTERS } from '../adapters';
import { ZAN_CONFIG, loadConfig } from '../zan.config';
import { ObservabilityModule } from './observability.module';
import { ZanMetrics } from './metrics';

@Controller('v1/things')
class ThingsController {
  @Post(':id')
  create(@Body() body: unknown) {
    // What a handler's own `PinoLogger` writes through: the request's logger, if its store is still there.
    const bindings = storage.getStore()?.logger.bindings();
    return { body, requestId: bindings?.requestId ?? null, correlationId: bindings?.correlationId ?? null };
  }
}

@Global()
@Module({
  providers: [
    { provide: ZAN_CONFIG, useValue: loadConfig({ ZAN_JWT_SECRET: 'a-secret-of-16-chars-or-more', ZAN_LOG_FORMAT: 'json' }) },
    { provide: ADAPTERS, useValue: {} },
  ],
  exports: [ZAN_CONFIG, ADAPTERS],
})
class ConfigModule {}

@Module({ imports: [ConfigModule, ObservabilityModule.forRoot({ logLevel: 'warn' })], controllers: [ThingsController] })
class TestModule {}

/** The hooks every Zan process's requests go through (request-hooks.ts), on a real Fastify server. */
describe('installRequestHooks', () => {
  let app: NestFastifyApplication;
  let base: string;

  beforeAll(async () => {
    app = await createHttpApp(TestModule, { logger: ['error'] });
    app
      .getHttpAdapter()
      .getInstance()
      .addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => done(null, JSON.parse(body as string)));
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
  });
  afterAll(() => app.close());

  it('gives the handler the request ids to log with, even after a body that arrived later than its headers', async () => {
    // The body's second half comes in a later packet: it is read in the socket's context, not the request's.
    const chunks = ['{"a"', ':1}'];
    const body = new ReadableStream({
      async pull(controller) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        const chunk = chunks.shift();
        if (chunk === undefined) controller.close();
        else controller.enqueue(new TextEncoder().encode(chunk));
      },
    });
    const response = await fetch(`${base}/v1/things/t-1`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Request-Id': 'req-h1', 'X-Correlation-Id': 'corr-h1' },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(201);
    expect(response.headers.get('x-request-id')).toBe('req-h1');
    expect(response.headers.get('x-correlation-id')).toBe('corr-h1');
    expect(await response.json()).toEqual({ body: { a: 1 }, requestId: 'req-h1', correlationId: 'corr-h1' });
  });

  it('counts requests by route template, never by id, and unknown paths as unmatched', async () => {
    await fetch(`${base}/v1/things/t-2`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    await fetch(`${base}/nowhere/at/all`);
    const text = await app.get(ZanMetrics).metrics();
    expect(text).toMatch(/zan_http_requests_total\{method="POST",route="\/v1\/things\/:id",status="201"\} [1-9]/);
    expect(text).toMatch(/zan_http_requests_total\{method="GET",route="unmatched",status="404"\} 1/);
    expect(text).not.toContain('t-2');
  });
});
