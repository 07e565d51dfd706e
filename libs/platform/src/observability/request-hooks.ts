import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';
import { PinoLogger } from 'nestjs-pino';
import type { RequestIds } from './logging';
import { ZanMetrics } from './metrics';
import { requestLogging } from './request-logging';

/** The route template Fastify matched (`/v1/red-packets/:id/claims`), so ids never become labels; undefined for an unknown path. */
export const routeTemplateOf = (request: FastifyRequest): string | undefined => request.routeOptions.url;

/**
 * What every request of every Zan process gets, before anything else reads it: its ids (echoed as
 * X-Request-Id and X-Correlation-Id, so even a refused body is answered with them), its closing log
 * line with the ids bound to every line logged while it runs (Fastify keeps the async context across
 * the body's reading), and its count and duration by route.
 */
export const installRequestHooks = (app: NestFastifyApplication): void => {
  const fastify = app.getHttpAdapter().getInstance();
  const metrics = app.get(ZanMetrics);
  const logRequest = requestLogging(() => PinoLogger.root);
  fastify.addHook('onRequest', (request, reply, done) => {
    (request.raw as RequestIds).route = routeTemplateOf(request);
    logRequest(request.raw, reply.raw, done);
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const labels = { method: request.method, route: routeTemplateOf(request) ?? 'unmatched', status: String(reply.statusCode) };
    metrics.httpRequests.inc(labels);
    metrics.httpDuration.observe(labels, reply.elapsedTime / 1000);
    done();
  });
};
