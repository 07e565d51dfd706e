import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { ForbiddenAddressError, isForbiddenAddress } from './address-policy';

export interface SendOptions {
  /** Longest the whole exchange may take (10 s): connecting, sending, and the answer's head and body. */
  timeoutMs: number;
  /** ZAN_WEBHOOKS_ALLOW_PRIVATE: let private, loopback and link-local addresses through. */
  allowPrivate: boolean;
  /** The most of a response body read (the rest is dropped with the connection). */
  maxResponseBytes?: number;
}

export type SendResult = { kind: 'answered'; status: number; body: string } | { kind: 'refused'; error: string } | { kind: 'failed'; error: string };

/**
 * The address the request connects to is the one checked: the lookup node uses for the connection
 * resolves, refuses a forbidden address, and hands that very address on, so a DNS answer that
 * changes between a check and the connection (rebinding) cannot slip a private address in.
 */
const guardedLookup =
  (allowPrivate: boolean): LookupFunction =>
  (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const list = addresses as unknown as LookupAddress[];
      const forbidden = allowPrivate ? undefined : list.find((a) => isForbiddenAddress(a.address));
      if (forbidden) return callback(new ForbiddenAddressError(hostname, forbidden.address) as NodeJS.ErrnoException, '', 0);
      if (options.all) return callback(null, list as never);
      const first = list[0];
      if (!first) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '', 0);
      callback(null, first.address, first.family);
    });
  };

/**
 * POSTs one webhook. Never follows a redirect (a 3xx is an answer like any non-2xx), reads at most
 * maxResponseBytes of the answer, and gives up after timeoutMs whatever the receiver does.
 */
export const sendWebhook = (url: string, headers: Record<string, string>, body: string, options: SendOptions): Promise<SendResult> => {
  const target = new URL(url);
  const host = target.hostname.replace(/^\[(.*)\]$/, '$1');
  // An address written in the URL is not looked up: check it here.
  if (!options.allowPrivate && isIP(host) !== 0 && isForbiddenAddress(host)) {
    return Promise.resolve({ kind: 'refused', error: new ForbiddenAddressError(host, host).message });
  }
  const limit = options.maxResponseBytes ?? 4096;
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<SendResult>((resolve) => {
    let settled = false;
    const finish = (result: SendResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    let req: ClientRequest;
    /** `fresh`: on a connection of its own, not one kept alive from an earlier delivery. */
    const send = (fresh: boolean): void => {
      let answered = false;
      req = request(
        target,
        {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': 'Zan-Webhooks/1' },
          lookup: guardedLookup(options.allowPrivate),
          ...(fresh && { agent: false }),
        },
        (res: IncomingMessage) => {
          answered = true;
          const chunks: Buffer[] = [];
          let size = 0;
          const done = () => finish({ kind: 'answered', status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
          res.on('data', (chunk: Buffer) => {
            if (size < limit) chunks.push(chunk.subarray(0, limit - size));
            size += chunk.length;
            if (size >= limit) {
              done();
              res.destroy();
            }
          });
          res.on('end', done);
          res.on('error', (error) => finish({ kind: 'failed', error: error.message }));
          res.on('aborted', () => finish({ kind: 'failed', error: 'the response was cut off' }));
        },
      );
      const sent = req;
      sent.on('error', (error: NodeJS.ErrnoException) => {
        // A kept-alive connection the receiver closed as idle just as this request went out on it
        // (keep-alive's race): nothing was answered, so send again at once on a fresh connection
        // instead of failing the attempt into the retry policy's first wait. Receivers drop a
        // repeat by its webhook-id in any case.
        if (!settled && !answered && !fresh && sent.reusedSocket && (error.code === 'ECONNRESET' || error.code === 'EPIPE')) return send(true);
        finish(error instanceof ForbiddenAddressError ? { kind: 'refused', error: error.message } : { kind: 'failed', error: error.message || String(error) });
      });
      sent.end(body);
    };
    const timer = setTimeout(() => {
      finish({ kind: 'failed', error: `no complete answer within ${options.timeoutMs} ms` });
      req.destroy();
    }, options.timeoutMs);
    send(false);
  });
};
