import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface ReceivedWebhook {
  id: string;
  timestamp: string;
  signature: string;
  headers: IncomingHttpHeaders;
  body: string;
  event: { id: string; type: string; subject: string; sequence: string; zanposition: string; data: Record<string, unknown>; [key: string]: unknown };
}

/** What the receiver answers a request: a status, after as long as the promise takes (a hang never resolves). */
export type Behaviour = (received: ReceivedWebhook, attemptOfThisId: number) => number | Promise<number>;

/** An integrator's endpoint on loopback (node:http): records every request in arrival order. */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  behaviour: Behaviour = () => 204;

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(path = '/hooks'): Promise<WebhookReceiver> {
    // eslint-disable-next-line prefer-const -- assigned once the server it answers through exists; the handler reads it later
    let receiver!: WebhookReceiver;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const received: ReceivedWebhook = {
          id: String(req.headers['webhook-id']),
          timestamp: String(req.headers['webhook-timestamp']),
          signature: String(req.headers['webhook-signature']),
          headers: req.headers,
          body,
          event: JSON.parse(body),
        };
        receiver.received.push(received);
        const attempt = receiver.received.filter((r) => r.id === received.id).length;
        void Promise.resolve(receiver.behaviour(received, attempt)).then(
          (status) => {
            if (!res.destroyed) res.writeHead(status, { 'content-type': 'text/plain' }).end('ok');
          },
          () => res.destroy(),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    receiver = new WebhookReceiver(server, `http://127.0.0.1:${port}${path}`);
    return receiver;
  }

  /** Every request's event ids, in arrival order. */
  ids(): string[] {
    return this.received.map((r) => r.id);
  }

  /** Checks a request with the Standard Webhooks reference verifier; throws when it does not verify. */
  static verify(received: ReceivedWebhook, secret: string): unknown {
    return new Webhook(secret).verify(received.body, {
      'webhook-id': received.id,
      'webhook-timestamp': received.timestamp,
      'webhook-signature': received.signature,
    });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
