import { Logger, type INestApplication } from '@nestjs/common';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { stopTracing } from './tracing';

/**
 * SIGTERM / SIGINT: stop accepting connections, let in-flight requests (and so their commands)
 * finish, at most `timeoutMs`, then close the app: the relay publishes what it holds and saves its
 * checkpoint, the projector commits its offsets, process managers stop, connections close. A second
 * signal exits at once.
 */
export const installGracefulShutdown = (app: INestApplication, timeoutMs: number): void => {
  const logger = new Logger('shutdown');
  const server = app.getHttpServer() as Server;
  const inFlight = new Set<ServerResponse>();
  let stopping = false;
  // Once stopping, every answer closes its connection: a keep-alive client (a load balancer's pool,
  // fetch) would otherwise go on sending requests on its open connections, served until the timeout
  // and then cut in flight. Each connection carries at most the request it has; the next one is refused.
  const lastOnItsConnection = (res: ServerResponse): void => {
    if (!res.headersSent) res.setHeader('Connection', 'close');
  };
  server.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => {
    inFlight.add(res);
    res.once('close', () => inFlight.delete(res));
    if (stopping) lastOnItsConnection(res);
  });

  const stop = async (signal: NodeJS.Signals): Promise<void> => {
    if (stopping) {
      logger.warn(`${signal} again: exiting now`);
      process.exit(1);
    }
    stopping = true;
    inFlight.forEach(lastOnItsConnection);
    logger.log(`${signal}: stopping; ${inFlight.size} request(s) in flight finish first (at most ${timeoutMs} ms)`);
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    const deadline = Date.now() + timeoutMs;
    // Idle keep-alive connections are closed as soon as their last response is out.
    const sweep = setInterval(() => {
      if (inFlight.size === 0 || Date.now() > deadline) {
        if (inFlight.size > 0) logger.warn(`${inFlight.size} request(s) still running after ${timeoutMs} ms: closing their connections`);
        server.closeIdleConnections();
        if (Date.now() > deadline) server.closeAllConnections();
      }
    }, 20);
    try {
      await closed;
      clearInterval(sweep);
      await app.close();
      await stopTracing();
      logger.log('stopped');
      process.exit(0);
    } catch (error) {
      logger.error(`shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    }
  };
  process.on('SIGTERM', (signal) => void stop(signal));
  process.on('SIGINT', (signal) => void stop(signal));
};

/** The port the app listens on (PORT=0 picks a free one, as tests do). */
export const boundPort = (app: INestApplication): number => ((app.getHttpServer() as Server).address() as AddressInfo).port;
