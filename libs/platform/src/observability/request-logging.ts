import type { IncomingMessage, ServerResponse } from 'node:http';
import { storage } from 'nestjs-pino/storage';
import type { Logger } from 'pino';
import { type RequestIds, requestIdOf } from './logging';

type LoggedRequest = IncomingMessage & RequestIds & { originalUrl?: string };

/** Paths whose every request would drown the log (scrapes and probes). */
const QUIET = /^\/(metrics|health\/(live|ready))(\?|$)/;

const commandIds = (req: LoggedRequest) => ({
  ...(req.causationId && { causationId: req.causationId }),
  ...(req.principal && { userId: req.principal.userId }),
});

/**
 * What nestjs-pino's request store holds, with the request's logger made on first use: most requests
 * log nothing but their closing line, and a child logger (bindings serialized, redaction compiled)
 * per request was the largest part of pino-http's cost.
 */
class RequestLogStore {
  private child: Logger | undefined;
  readonly responseLogger = undefined;

  constructor(
    private readonly root: Logger,
    private readonly req: LoggedRequest,
  ) {}

  get logger(): Logger {
    return (this.child ??= this.root.child({ req: this.req, requestId: this.req.id, correlationId: this.req.correlationId }));
  }

  /** PinoLogger.assign replaces it with a child of its own. */
  set logger(logger: Logger) {
    this.child = logger;
  }
}

/**
 * Each request's closing line, as pino-http wrote it (`request completed`, `request errored` for a
 * 5xx or a failed response, `request aborted`) with the same fields, and the request's ids bound to
 * every line logged while it runs (nestjs-pino's store, which PinoLogger reads). Unlike pino-http it
 * makes no child logger per request and attaches no listener when the level drops the line.
 * `rootOf` gives the logger nestjs-pino built from loggingParams (PinoLogger.root).
 */
export const requestLogging =
  (rootOf: () => Logger) =>
  (req: LoggedRequest, res: ServerResponse, next: () => void): void => {
    // The api set them first (configure-http.ts); the relay's and the projector's probes get them here.
    req.id ??= requestIdOf(req, res);
    const root = rootOf();
    if (root.isLevelEnabled('info') && !QUIET.test(req.url ?? '')) {
      const started = Date.now();
      const done = (error?: Error) => {
        res.removeListener('close', done);
        res.removeListener('finish', done);
        res.removeListener('error', done);
        const responseTime = Date.now() - started;
        const ids = { req, requestId: req.id, correlationId: req.correlationId };
        if (error || res.statusCode >= 500) {
          const err = error ?? new Error(`failed with status code ${res.statusCode}`);
          root.info({ ...ids, res, err, responseTime, ...commandIds(req) }, 'request errored');
        } else {
          root.info({ ...ids, res, responseTime, ...commandIds(req) }, !req.readableAborted && res.writableEnded ? 'request completed' : 'request aborted');
        }
      };
      res.on('close', done);
      res.on('finish', done);
      res.on('error', done);
    }
    storage.run(new RequestLogStore(root, req) as never, next);
  };
