import { rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { freshDataDir } from '../support/data-dirs';
import { type AppProcess, startApp } from '../support/processes';
import { TEST_JWT_SECRET, tokenFor } from '../support/tokens';

interface Answer {
  sentAt: number;
  status?: number;
  connection?: string;
  error?: string;
}

/**
 * SIGTERM while keep-alive clients (a load balancer's pool, fetch's default) keep their connections
 * busy: the requests in flight finish, each answer closes its connection, and the next request finds
 * the port closed. The server does not go on serving the open connections until the shutdown timeout
 * and then cut the requests in flight.
 */
describe('graceful shutdown with keep-alive clients', () => {
  let zan: AppProcess | undefined;
  let dataDir: string | undefined;

  afterAll(async () => {
    await zan?.kill();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }, 30_000);

  it('answers what it took, takes nothing more on open connections, and exits long before the timeout', async () => {
    dataDir = await freshDataDir();
    // Each read waits 300 ms for a position never reached, so four clients always have requests in flight.
    const env = { ZAN_DATA_DIR: dataDir, ZAN_JWT_SECRET: TEST_JWT_SECRET, ZAN_READ_WAIT_MS: '300', ZAN_SHUTDOWN_TIMEOUT_MS: '8000', ZAN_LOG_FORMAT: 'json' };
    zan = await startApp('zan', env, /listening on http:\/\/127\.0\.0\.1:\d+/);
    const port = Number(/listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(zan.output())![1]);
    const agent = new Agent({ keepAlive: true, maxSockets: 4 });
    const token = tokenFor('kay', TEST_JWT_SECRET);
    const read = (): Promise<Answer> =>
      new Promise((resolve) => {
        const sentAt = Date.now();
        const req = request(
          { host: '127.0.0.1', port, path: '/v1/wallets/me?after=99999999999', agent, headers: { Authorization: `Bearer ${token}` } },
          (res) => {
            res.resume();
            res.once('end', () => resolve({ sentAt, status: res.statusCode, connection: res.headers.connection }));
          },
        );
        req.once('error', (error: NodeJS.ErrnoException) => resolve({ sentAt, error: error.code ?? error.message }));
        req.end();
      });

    const answers: Answer[][] = [[], [], [], []];
    // Each client reads until a request fails (the port closed, or a fault the assertions name), at most
    // 20 s: past the exit, the next read is refused.
    const client = async (i: number): Promise<void> => {
      await new Promise((resolve) => setTimeout(resolve, i * 75));
      const until = Date.now() + 20_000;
      while (Date.now() < until) {
        const answer = await read();
        answers[i].push(answer);
        if (answer.error) return;
      }
    };
    const clients = [0, 1, 2, 3].map(client);
    await new Promise((resolve) => setTimeout(resolve, 1500));

    const signalledAt = Date.now();
    const exit = new Promise<{ code: number | null; at: number }>((resolve) => zan!.child.once('exit', (code) => resolve({ code, at: Date.now() })));
    zan.child.kill('SIGTERM');
    const { code, at } = await exit;
    await Promise.all(clients);
    agent.destroy();

    expect(code).toBe(0);
    // Only the reads in flight (300 ms each) and the app's close stand between the signal and the exit.
    expect(at - signalledAt).toBeLessThan(4000);
    // The server says how many requests it had in flight when it began to stop. A client between two
    // reads, or whose answer went out before the child handled the signal, had none; the server's count is
    // the truth, not the client's clock.
    const inFlight = Number(/stopping; (\d+) request\(s\) in flight/.exec(zan.output())?.[1]);
    expect(inFlight).toBeGreaterThanOrEqual(1);
    // Each client: answers on a kept-alive connection, then at most one answer that closes it (a read in
    // flight at the stop, or one that reached the server before it handled the signal), then the port is
    // closed. No request is cut, reset or served after a `close`.
    const shapes = answers.map((ofOne) => ofOne.map((answer) => answer.error ?? `${answer.status} ${answer.connection}`).join(','));
    for (const shape of shapes) expect(shape).toMatch(/^(503 keep-alive,)*(503 close,)?ECONNREFUSED$/);
    // Every read in flight at the stop was answered and told its client to close.
    expect(shapes.filter((shape) => shape.includes('503 close')).length).toBeGreaterThanOrEqual(inFlight);
    // Nothing sent well after the signal was served (the child handles it within milliseconds).
    const lateServed = answers.flat().filter((answer) => answer.sentAt >= signalledAt + 1000 && !answer.error);
    expect(lateServed).toEqual([]);
    expect(zan.output()).not.toMatch(/still running after/);
  }, 60_000);
});
