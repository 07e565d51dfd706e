import type { INestApplication } from '@nestjs/common';
import type { AddressInfo } from 'node:net';
import { EVENT_STORE, type EventStore } from '@zan/event-store';
import { type Client, fundedUser } from '../support/http-client';
import { rawBytes as rawHttp } from '../support/raw-http';
import { startEmbeddedZan } from '../support/stacks';

/**
 * Requests Node answers itself, before any route, were answered otherwise than every other refusal:
 * an HTTP/1.1 request without Host got a bare 400 with no body, an Expect other than 100-continue a
 * bare 417, and a CONNECT a dropped connection. Each is now a problem+json, the connection closed,
 * and nothing moves (docs/operations.md, "API documentation").
 */
describe('requests Node answers itself (embedded default)', () => {
  let zan: Awaited<ReturnType<typeof startEmbeddedZan>>;
  let app: INestApplication;
  let payer: Client;
  let store: EventStore;
  let port: number;

  beforeAll(async () => {
    zan = await startEmbeddedZan();
    app = zan.app;
    await app.listen(0, '127.0.0.1');
    port = (app.getHttpServer().address() as AddressInfo).port;
    store = app.get(EVENT_STORE);
    ({ client: payer } = await fundedUser(app, 'nr-payer', 100_000));
    await fundedUser(app, 'nr-peer', 0);
  }, 120_000);
  afterAll(async () => {
    await zan?.close();
  }, 60_000);

  const rawBytes = (text: string) => rawHttp(port, text);

  it('answers a missing Host, an unknown Expect and a CONNECT with a problem+json, and moves nothing', async () => {
    const before = (await store.readStream('wallet-nr-payer')).length;
    const auth = `Authorization: Bearer ${payer.token}\r\n`;
    const body = JSON.stringify({ toUserId: 'nr-peer', amount: 1 });
    const transfer = (headers: string) =>
      `POST /v1/transfers HTTP/1.1\r\n${auth}Idempotency-Key: nr-raw\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n${headers}\r\n${body}`;
    const cases: [string, number][] = [
      [transfer(''), 400], // no Host
      [`GET /v1/wallets/me HTTP/1.1\r\n${auth}\r\n`, 400],
      [transfer('Host: x\r\nExpect: 200-ok\r\n'), 417],
      ['CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n', 400],
    ];
    for (const [text, status] of cases) {
      const answer = await rawBytes(text);
      expect({ status: answer.statusLine.split(' ')[1], type: answer.headers.find((h) => /^content-type:/i.test(h))?.split(/:\s*/)[1] }).toEqual({
        status: String(status),
        type: 'application/problem+json; charset=utf-8',
      });
      expect(JSON.parse(answer.body)).toEqual(expect.objectContaining({ status, type: expect.stringMatching(/^https:\/\/zan\.dev\/problems\//) }));
    }
    expect((await store.readStream('wallet-nr-payer')).length).toBe(before);
  }, 60_000);
});
