import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { idempotentCommandId } from '../../apps/api/src/command-path/ids';
import { canonical } from '../../apps/api/src/idempotency/idempotency.interceptor';
import { eventually } from '../support/eventually';
import { ownCardOf, realNameOf, residentIdOf, verificationBodyOf } from '../support/identity';
import { type AppProcess, startApp } from '../support/processes';
import { dropIsolated, fullStackEnv } from '../support/stacks';
import { TEST_JWT_SECRET, tokenFor } from '../support/tokens';

interface Span {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
}

/** An OTLP/HTTP (JSON) receiver: what a collector would get from Zan. */
const startCollector = async () => {
  const spans: Span[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      const payload = JSON.parse(body.toString('utf8')) as { resourceSpans: { scopeSpans: { spans: Span[] }[] }[] };
      for (const resource of payload.resourceSpans ?? []) for (const scope of resource.scopeSpans ?? []) spans.push(...scope.spans);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { spans, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((resolve) => server.close(resolve)) };
};

/**
 * One funding over the full stack in a real process (`npm start` with all three roles), followed
 * through its JSON log lines (api request, relay, projector) and its trace (HTTP -> command ->
 * append -> relay -> Kafka -> projector). The bearer token and the JWT secret are never written.
 */
describe('a request followed through logs and traces', () => {
  const env = fullStackEnv('logs');
  let collector: Awaited<ReturnType<typeof startCollector>>;
  let zan: AppProcess | undefined;
  let base: string;
  const lines = () =>
    zan!
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, any>);

  beforeAll(async () => {
    collector = await startCollector();
    zan = await startApp(
      'zan',
      { ...env, ZAN_LOG_LEVEL: 'debug', OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_BSP_SCHEDULE_DELAY: '100', OTEL_SERVICE_NAME: 'zan-e2e' },
      /listening on http:\/\/127\.0\.0\.1:\d+/,
    );
    base = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(zan.output())![1]!;
  }, 90_000);

  afterAll(async () => {
    await zan?.kill();
    await collector?.close();
    await dropIsolated(env);
  }, 60_000);

  it('carries the request, correlation and causation ids from HTTP through the events to the relay and the projector, and no secret', async () => {
    const token = tokenFor('lena', TEST_JWT_SECRET);
    const call = (path: string, body: object, headers: Record<string, string> = {}) =>
      fetch(`${base}${path}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
    expect((await call('/v1/wallets', { kind: 'individual' })).status).toBe(201);
    // Personal data: verified with a real name and an ID number that no log line may carry.
    expect((await call('/v1/wallets/me/verification', verificationBodyOf('lena'))).status).toBe(201);
    expect((await call('/v1/wallets/me/cards', ownCardOf('lena', 'card-lena'))).status).toBe(201);
    const requestId = `req-${Date.now()}`;
    const correlationId = `corr-${Date.now()}`;
    const funded = await call(
      '/v1/wallets/me/fundings',
      { amount: 4_200, cardId: 'card-lena' },
      { 'Idempotency-Key': 'log-1', 'X-Request-Id': requestId, 'X-Correlation-Id': correlationId },
    );
    expect(funded.status).toBe(201);
    expect(funded.headers.get('x-request-id')).toBe(requestId);
    expect(funded.headers.get('x-correlation-id')).toBe(correlationId);
    // The command id names the request: its key and the hash its idempotency record keeps.
    const requestHash = createHash('sha256')
      .update(`POST\n/v1/wallets/me/fundings\n${canonical({ amount: 4_200, cardId: 'card-lena' })}`)
      .digest('hex');
    const causationId = idempotentCommandId('lena', 'log-1', requestHash);

    await eventually('the request, relay and projector log lines', async () =>
      ['request completed', 'published', 'applied'].every((msg) => lines().some((l) => l.msg === msg && l.correlationId === correlationId)),
    );
    const request = lines().find((l) => l.msg === 'request completed' && l.requestId === requestId)!;
    expect(request).toMatchObject({ level: 30, correlationId, causationId, userId: 'lena', res: { statusCode: 201 }, responseTime: expect.any(Number) });
    // What an operator needs, each once: no header dump (security headers, the token), no id twice.
    expect(request.req).toEqual({ method: 'POST', url: '/v1/wallets/me/fundings' });
    expect(request.res).toEqual({ statusCode: 201 });
    const raw = zan!
      .output()
      .split('\n')
      .find((line) => line.includes(`"requestId":"${requestId}"`) && line.includes('request completed'))!;
    expect(raw).not.toMatch(/headers|content-security-policy|strict-transport-security|authorization/i);
    for (const key of ['requestId', 'correlationId', 'causationId', 'userId']) expect(raw.split(`"${key}":`)).toHaveLength(2);
    expect(raw.split(requestId)).toHaveLength(2);
    expect(Buffer.byteLength(raw)).toBeLessThan(512);
    const published = lines().find((l) => l.msg === 'published' && l.correlationId === correlationId)!;
    expect(published).toMatchObject({ context: 'relay', type: 'WalletFunded', causationId, streamId: 'wallet-lena' });
    const applied = lines().find((l) => l.msg === 'applied' && l.correlationId === correlationId)!;
    expect(applied).toMatchObject({ context: 'projector', type: 'WalletFunded', causationId, eventId: published.eventId });

    await eventually('the verification relayed and applied', async () =>
      ['published', 'applied'].every((msg) => lines().some((l) => l.msg === msg && l.type === 'WalletVerified')),
    );
    const output = zan!.output();
    expect(output).toContain('wallet-lena');
    expect(output).not.toContain(realNameOf('lena'));
    expect(output).not.toContain(residentIdOf('lena'));
    expect(output).not.toContain(token);
    expect(output).not.toContain(token.split('.')[2]);
    expect(output).not.toContain(TEST_JWT_SECRET);
  }, 60_000);

  it('keeps Nest start-up narration (modules initialised, routes mapped) at debug, under the info lines', () => {
    const bootstrap = lines().filter((l) => ['NestFactory', 'InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestApplication'].includes(l.context));
    expect(bootstrap.some((l) => l.context === 'RouterExplorer' && /Mapped \{\/v1\/wallets\/me\/fundings, POST\} route/.test(l.msg))).toBe(true);
    expect(bootstrap.filter((l) => l.level !== 20)).toEqual([]);
  });

  it('traces the funding in one trace: HTTP -> command -> append, relay publish -> projector process', async () => {
    // Spans arrive in batches from three exporters: wait for the funding's server and publish spans themselves.
    await eventually('the funding trace up to its publish span', async () => {
      const funding = collector.spans.find((s) => s.name === 'command FundWallet');
      const inTrace = collector.spans.filter((s) => s.traceId === funding?.traceId);
      return (
        inTrace.some((s) => s.kind === 2) && inTrace.some((s) => s.name === `publish ${env.ZAN_TOPIC_PREFIX}.wallet` && s.parentSpanId === funding!.spanId)
      );
    });
    const command = collector.spans.find((s) => s.name === 'command FundWallet')!;
    expect(command).toBeDefined();
    const trace = collector.spans.filter((s) => s.traceId === command.traceId);
    const byId = new Map(trace.map((s) => [s.spanId, s]));
    // Up from the command: the HTTP server span at the root, named by its route.
    const ancestors: Span[] = [];
    for (let span = byId.get(command.parentSpanId!); span; span = span.parentSpanId ? byId.get(span.parentSpanId) : undefined) ancestors.push(span);
    const root = ancestors[ancestors.length - 1];
    expect(root).toMatchObject({ kind: 2, name: 'POST /v1/wallets/me/fundings' });
    expect(root?.parentSpanId ?? '').toBe('');
    expect(trace.find((s) => s.name === 'event-store append')?.parentSpanId).toBe(command.spanId);
    const publish = trace.find((s) => s.name === `publish ${env.ZAN_TOPIC_PREFIX}.wallet` && s.parentSpanId === command.spanId);
    expect(publish).toBeDefined();
    await eventually('the projector span of this event', async () =>
      collector.spans.some((s) => s.traceId === command.traceId && s.parentSpanId === publish!.spanId && s.name === `process ${env.ZAN_TOPIC_PREFIX}.wallet`),
    );
  }, 60_000);

  it('stops gracefully on SIGTERM', async () => {
    await zan!.kill('SIGTERM');
    expect(zan!.child.exitCode).toBe(0);
    expect(lines().some((l) => l.context === 'shutdown' && l.msg === 'stopped')).toBe(true);
  }, 30_000);
});
