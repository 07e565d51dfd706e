import type { INestApplication } from '@nestjs/common';
import helmet from 'helmet';
import { ZAN_CONFIG, type ZanConfig, requestIdOf } from '@zan/platform';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { refuseAmbiguousJson } from './json-ambiguity';
import { refuseDeepJson } from './json-depth';
import { refuseAmbiguousHeaders } from './request-headers';
import { serveDashboard } from './dashboard-page';
import { setupApiDocs } from './openapi';

/** HTTP settings shared by every way of starting the api (its own process, all-in-one, tests). */
export const configureHttp = (app: INestApplication): void => {
  const express = app as NestExpressApplication;
  const config = app.get<ZanConfig>(ZAN_CONFIG);
  express.disable('x-powered-by');
  express.use(helmet());
  // Browsers may call the api only from the origins an operator lists; none by default.
  if (config.corsOrigins.length > 0) {
    app.enableCors({
      origin: config.corsOrigins,
      allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Correlation-Id'],
      exposedHeaders: ['Retry-After', 'Idempotent-Replayed'],
    });
  }
  // Ids first, so that even a body refused by the parser (not JSON, too large) is answered with them.
  express.use((req: Parameters<typeof requestIdOf>[0], res: Parameters<typeof requestIdOf>[1], next: () => void) => {
    req.id = requestIdOf(req, res);
    next();
  });
  express.use(refuseAmbiguousHeaders);
  // Small bodies only: the largest legitimate body is a red packet with its recipient list. Nothing
  // nested too deep, and nothing JSON.parse would read otherwise than sent (docs/contract.md, "Errors").
  express.useBodyParser('json', {
    limit: '64kb',
    strict: true,
    verify: (request: unknown, response: unknown, raw: Buffer) => {
      refuseDeepJson(request, response, raw);
      refuseAmbiguousJson(request, response, raw);
      // Kept for signed callbacks: the verification provider's HMAC is over these bytes.
      (request as { rawBody?: Buffer }).rawBody = raw;
    },
  });
  setupApiDocs(app);
  serveDashboard(express);
  // Shutdown is the mains' (installGracefulShutdown): in-flight requests finish before the app closes.
};
