import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { storage } from 'nestjs-pino/storage';
import { pinoHttp } from 'pino-http';
import { loadConfig } from '../zan.config';
import { loggingParams } from './logging';
import { requestLogging } from './request-logging';

/** The closing line of each request and the ids on every line logged during it, from a real HTTP server. */
describe('requestLogging', () => {
  let server: Server | undefined;
  afterEach(() => new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined))));

  const serve = async (level: string, status: number) => {
    const lines: Record<string, unknown>[] = [];
    const config = loadConfig({ ZAN_JWT_SECRET: 'a-secret-of-16-chars-or-more', ZAN_LOG_FORMAT: 'json' });
    // The logger nestjs-pino builds from the same options (PinoLogger.root).
    const { logger } = pinoHttp(loggingParams(config, level).pinoHttp as object, { write: (line: string) => lines.push(JSON.parse(line)) });
    const middleware = requestLogging(() => logger);
    server = createServer((req, res) =>
      middleware(req, res, () => {
        Object.assign(req, { causationId: 'cmd-1', principal: { userId: 'lena' } });
        storage.getStore()!.logger.warn('inside');
        res.statusCode = status;
        res.end('{}');
      }),
    );
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return {
      lines,
      call: (path: string) => fetch(`${base}${path}`, { headers: { 'X-Request-Id': 'req-1', 'X-Correlation-Id': 'corr-1', Authorization: 'Bearer t0k3n' } }),
    };
  };

  it('writes one closing line with the ids, status and duration, and binds the ids to lines logged during the request', async () => {
    const { lines, call } = await serve('info', 201);
    const response = await call('/v1/tips?x=1');
    expect(response.headers.get('x-request-id')).toBe('req-1');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(lines).toEqual([
      expect.objectContaining({ level: 40, msg: 'inside', req: { method: 'GET', url: '/v1/tips?x=1' }, requestId: 'req-1', correlationId: 'corr-1' }),
      {
        level: 30,
        time: expect.any(Number),
        pid: process.pid,
        req: { method: 'GET', url: '/v1/tips?x=1' },
        requestId: 'req-1',
        correlationId: 'corr-1',
        res: { statusCode: 201 },
        responseTime: expect.any(Number),
        causationId: 'cmd-1',
        userId: 'lena',
        msg: 'request completed',
      },
    ]);
    expect(JSON.stringify(lines)).not.toContain('t0k3n');
  });

  it('says a 5xx errored, with the error', async () => {
    const { lines, call } = await serve('info', 500);
    await call('/v1/tips');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(lines[1]).toMatchObject({
      level: 30,
      msg: 'request errored',
      res: { statusCode: 500 },
      err: { message: 'failed with status code 500' },
      requestId: 'req-1',
    });
  });

  it('writes no closing line at warn, and still binds the ids to the lines that are written; probes and scrapes are never logged', async () => {
    const { lines, call } = await serve('warn', 201);
    await call('/v1/tips');
    await call('/metrics');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(lines.map((line) => line.msg)).toEqual(['inside', 'inside']);
    expect(lines[0]).toMatchObject({ requestId: 'req-1', correlationId: 'corr-1', req: { method: 'GET', url: '/v1/tips' } });
  });
});
