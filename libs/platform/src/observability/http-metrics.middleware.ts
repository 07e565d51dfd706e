import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { Request, Response, NextFunction } from 'express';
import { ZanMetrics } from './metrics';

/** The route template Express matched (`/v1/red-packets/:redPacketId`), so ids never become labels; undefined before routing. */
export const routeTemplateOf = (req: Request): string | undefined => {
  const route: unknown = req.route; // Express types it any
  const path = typeof route === 'object' && route !== null && 'path' in route ? route.path : undefined;
  return typeof path === 'string' ? `${req.baseUrl}${path}` : undefined;
};

/** Counts every answered request by its route template, so ids in paths never explode the label set. */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  constructor(private readonly metrics: ZanMetrics) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      const route = routeTemplateOf(req) ?? 'unmatched';
      const labels = { method: req.method, route, status: String(res.statusCode) };
      this.metrics.httpRequests.inc(labels);
      this.metrics.httpDuration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  }
}
