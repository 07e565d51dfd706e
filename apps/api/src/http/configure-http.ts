import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { BODY_LIMIT, ZAN_CONFIG, type ZanConfig } from '@zan/platform';
import { parseJsonBody, refuseBadQueryBody } from './json-body';
import { notJsonBody, refuseAmbiguousHeaders } from './request-headers';
import { serveDashboard } from './dashboard-page';
import { setupApiDocs } from './openapi';
import { helmetHeaders } from './secure-headers';

/** The answers' own headers, readable by a browser's script from an origin in ZAN_CORS_ORIGINS. */
const EXPOSED_HEADERS = [
  'Retry-After',
  'Idempotent-Replayed',
  'Zan-Position',
  'Zan-Next-Cursor',
  'X-Request-Id',
  'X-Correlation-Id',
  ...['money', 'queries'].flatMap((limit) => [
    `X-RateLimit-Limit-${limit}`,
    `X-RateLimit-Remaining-${limit}`,
    `X-RateLimit-Reset-${limit}`,
    `Retry-After-${limit}`,
  ]),
];

/** HTTP settings shared by every way of starting the api (its own process, all-in-one, tests). */
export const configureHttp = (app: NestFastifyApplication): void => {
  const config = app.get<ZanConfig>(ZAN_CONFIG);
  const fastify = app.getHttpAdapter().getInstance();
  // helmet's headers on every answer, worked out once (@fastify/helmet runs its middleware per request).
  const secureHeaders = helmetHeaders();
  fastify.addHook('onRequest', (_request, reply, done) => {
    for (const [name, value] of secureHeaders) reply.raw.setHeader(name, value);
    done();
  });
  // Browsers may call the api only from the origins an operator lists; none by default.
  if (config.corsOrigins.length > 0) {
    app.enableCors({
      origin: config.corsOrigins,
      // Every method a route answers: @fastify/cors allows only GET, HEAD and POST unless told.
      methods: ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE'],
      allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Correlation-Id', 'X-Request-Id'],
      // Every header an answer documents (docs/operations.md, "API documentation"): a script reads no other.
      exposedHeaders: EXPOSED_HEADERS,
      // An OPTIONS without Access-Control-Request-Method is answered as a preflight, not a text/plain 400.
      strictPreflight: false,
    });
  }
  fastify.addHook('onRequest', (request, _reply, done) => refuseAmbiguousHeaders(request.raw, done));
  // Small bodies only: the largest legitimate body is a red packet with its recipient list. Nothing
  // nested too deep, and nothing JSON.parse would read otherwise than sent (docs/contract.md, "Errors").
  fastify.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: BODY_LIMIT }, (request, raw, done) => {
    try {
      done(null, parseJsonBody(request, raw as Buffer));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  // Anything else reaching a parser is a body without a type (refuseAmbiguousHeaders answered typed
  // ones): an empty one, as a bare POST sends on a claim, is no body.
  fastify.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: BODY_LIMIT }, (_request, raw, done) => {
    if ((raw as Buffer).length === 0) done(null, undefined);
    else done(notJsonBody(undefined), undefined);
  });
  fastify.addHook('preValidation', (request, _reply, done) => refuseBadQueryBody(request, BODY_LIMIT, done));
  setupApiDocs(app);
  serveDashboard(app);
  // Shutdown is the mains' (installGracefulShutdown): in-flight requests finish before the app closes.
};
