import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Pool } from 'pg';
import pino from 'pino';
import { helmetHeaders } from '../../apps/api/src/http/secure-headers';
import { ZanMetrics } from '../../libs/platform/src/observability/metrics';
import { requestLogging } from '../../libs/platform/src/observability/request-logging';

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

/**
 * What Zan's processes give each request, with Zan's own code and no framework, around a floor's
 * handler, in the order its hooks run: helmet's security headers (worked out once, as the api sets
 * them: helmetHeaders), the request and correlation ids echoed and the request's log store and
 * closing line (requestLogging, at `warn`, where the line is dropped as in production), and its count
 * and duration (ZanMetrics) under `route`.
 */
export const operable = (route: string, handle: Handler): Handler => {
  const secureHeaders = helmetHeaders();
  const root = pino({ level: 'warn' });
  const logged = requestLogging(() => root);
  const metrics = new ZanMetrics();
  return (request, response) => {
    const started = process.hrtime.bigint();
    response.once('finish', () => {
      const labels = { method: request.method ?? 'POST', route, status: String(response.statusCode) };
      metrics.httpRequests.inc(labels);
      metrics.httpDuration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
    });
    logged(request, response, () => {
      for (const [name, value] of secureHeaders) response.setHeader(name, value);
      handle(request, response);
    });
  };
};

/**
 * Serves `handle` on a port of loopback the system picks, announcing it as the bench waits for it
 * (`listening on http://127.0.0.1:<port>`); on SIGTERM closes every connection and `pool`, and exits.
 */
export const serve = (handle: Handler, pool: Pool): void => {
  const server = createServer(handle);
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    console.log(`listening on http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`);
  });
  process.on('SIGTERM', () => {
    server.close();
    server.closeAllConnections();
    void pool.end().finally(() => process.exit(0)); // exiting is all that is left to do
  });
};
