import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';

/**
 * A verification provider on a real loopback HTTP server: records what Zan asks, answers 202 (or the
 * status set with failNext, or 500 for the user ids in `down`), and decides only when the test calls back.
 */
export const startFakeKycProvider = async (options: { down?: string[] } = {}) => {
  const received: Record<string, unknown>[] = [];
  let answerStatus = 202;
  const server: Server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const asked = JSON.parse(body) as Record<string, unknown>;
      received.push(asked);
      res.writeHead(options.down?.includes(String(asked.userId)) ? 500 : answerStatus).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/verify`,
    received,
    /** What Zan asked about this user last. */
    askedAbout: (userId: string) => [...received].reverse().find((r) => r.userId === userId),
    failNext: (status: number) => (answerStatus = status),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};

/** The X-Zan-Signature of a callback body: hex HMAC-SHA256 of the raw bytes. */
export const signCallback = (secret: string, raw: string): string => createHmac('sha256', secret).update(raw).digest('hex');
