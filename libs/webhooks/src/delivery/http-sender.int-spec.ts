import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sendWebhook } from './http-sender';

/** The sender against real loopback servers: SSRF refusals, no redirects, a bounded body, a timeout. */
describe('sending a webhook', () => {
  let server: Server;
  let port: number;
  let requests = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      requests++;
      if (req.url === '/redirect') return res.writeHead(302, { location: `http://127.0.0.1:${port}/ok` }).end();
      if (req.url === '/big') return res.writeHead(200).end('x'.repeat(1_000_000));
      if (req.url === '/hang') return; // never answers
      res.writeHead(204).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  const allow = { timeoutMs: 1000, allowPrivate: true };
  const deny = { timeoutMs: 1000, allowPrivate: false };

  it('refuses loopback written as an address, IPv4-mapped, or reached through a name, before connecting', async () => {
    const before = requests;
    for (const url of [`http://127.0.0.1:${port}/ok`, `http://[::ffff:127.0.0.1]:${port}/ok`, `http://localhost:${port}/ok`]) {
      const result = await sendWebhook(url, {}, '{}', deny);
      expect(result).toEqual({ kind: 'refused', error: expect.stringMatching(/private, loopback or link-local/) });
    }
    expect(requests).toBe(before);
  });

  it('delivers to the same addresses when private targets are allowed', async () => {
    expect(await sendWebhook(`http://localhost:${port}/ok`, {}, '{}', allow)).toEqual({ kind: 'answered', status: 204, body: '' });
  });

  it('does not follow a redirect: a 302 is the answer', async () => {
    const before = requests;
    expect(await sendWebhook(`http://127.0.0.1:${port}/redirect`, {}, '{}', allow)).toMatchObject({ kind: 'answered', status: 302 });
    expect(requests).toBe(before + 1);
  });

  it('reads at most 4 kB of an answer', async () => {
    const result = await sendWebhook(`http://127.0.0.1:${port}/big`, {}, '{}', allow);
    expect(result).toMatchObject({ kind: 'answered', status: 200 });
    expect(result.kind === 'answered' && result.body.length).toBe(4096);
  });

  it('sends again on a fresh connection when a kept-alive one turns out closed (the receiver dropped it as idle)', async () => {
    // The race of keep-alive: the receiver closes an idle connection just as the next request goes out
    // on it. This one drops every connection at its second request, without answering.
    const requestsOnSocket = new WeakMap<object, number>();
    const dropping = createServer((req, res) => {
      const n = (requestsOnSocket.get(req.socket) ?? 0) + 1;
      requestsOnSocket.set(req.socket, n);
      if (n > 1) return req.socket.destroy();
      res.writeHead(204).end();
    });
    await new Promise<void>((resolve) => dropping.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(dropping.address() as AddressInfo).port}/ok`;
    try {
      expect(await sendWebhook(url, {}, '{}', allow)).toEqual({ kind: 'answered', status: 204, body: '' });
      // Node keeps the first connection for the next request, which the receiver then drops.
      expect(await sendWebhook(url, {}, '{}', allow)).toEqual({ kind: 'answered', status: 204, body: '' });
    } finally {
      dropping.closeAllConnections();
      await new Promise((resolve) => dropping.close(resolve));
    }
  });

  it('gives up on a receiver that does not answer within the timeout', async () => {
    expect(await sendWebhook(`http://127.0.0.1:${port}/hang`, {}, '{}', allow)).toEqual({ kind: 'failed', error: 'no complete answer within 1000 ms' });
  });
});
