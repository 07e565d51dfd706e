import type { INestApplication } from '@nestjs/common';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { EVENT_STORE, type EventStore } from '@zan/event-store';
import { clientFor, fundedUser, type Client } from '../support/http-client';
import { rawBytes as rawHttp } from '../support/raw-http';
import { startEmbeddedZan } from '../support/stacks';

/**
 * Headers that make a request mean two things. A second Authorization header was dropped by
 * Node and the first one acted (a proxy that reads the last one authorises someone else), and a
 * JSON body sent as text/plain or a form was read as an empty body or as strings, answered with a
 * misleading list of missing fields. Now: one Authorization header or a 400; a body that is not
 * application/json is a 415; nothing moves.
 */
describe('hostile headers (embedded default)', () => {
  let zan: Awaited<ReturnType<typeof startEmbeddedZan>>;
  let app: INestApplication;
  let payer: Client;
  let peer: Client;
  let store: EventStore;
  let port: number;
  // The payer's stream: every debit lands there at once (the payee's credit follows asynchronously).
  const payerEvents = async () => (await store.readStream('wallet-hh-payer')).length;

  /** A raw request, so that a header can be sent twice (an array of headers is sent as it is, Host included). */
  const raw = (method: string, path: string, headers: string[], body?: string) =>
    new Promise<{ status: number; contentType?: string; body: Record<string, unknown> }>((resolve, reject) => {
      const all = ['Host', `127.0.0.1:${port}`, ...headers, ...(body === undefined ? [] : ['Content-Length', String(Buffer.byteLength(body))])];
      const outgoing = httpRequest({ host: '127.0.0.1', port, method, path, headers: all }, (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode!,
            contentType: response.headers['content-type'],
            body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
          }),
        );
      });
      outgoing.on('error', reject);
      outgoing.end(body);
    });

  beforeAll(async () => {
    zan = await startEmbeddedZan();
    app = zan.app;
    await app.listen(0, '127.0.0.1');
    port = (app.getHttpServer().address() as AddressInfo).port;
    store = app.get(EVENT_STORE);
    ({ client: payer } = await fundedUser(app, 'hh-payer', 100_000));
    ({ client: peer } = await fundedUser(app, 'hh-peer', 0));
  }, 120_000);
  afterAll(async () => {
    await zan?.close();
  }, 60_000);

  it('refuses a request with two Authorization headers, the same or different, on commands and queries', async () => {
    const before = await payerEvents();
    const transfer = JSON.stringify({ toUserId: 'hh-peer', amount: 100 });
    for (const second of [payer.token, peer.token, 'garbage']) {
      for (const [method, path, body] of [
        ['POST', '/v1/transfers', transfer],
        ['GET', '/v1/wallets/me', undefined],
      ] as const) {
        const response = await raw(
          method,
          path,
          [
            'Authorization',
            `Bearer ${payer.token}`,
            'Authorization',
            `Bearer ${second}`,
            'Idempotency-Key',
            `hh-${Math.random()}`,
            'Content-Type',
            'application/json',
          ],
          body,
        );
        if (response.status !== 400) throw new Error(`${method} ${path} with two Authorization headers: ${response.status} ${JSON.stringify(response.body)}`);
        expect(response.contentType).toMatch(/application\/problem\+json/);
        expect(response.body).toEqual(expect.objectContaining({ status: 400, detail: expect.stringContaining('Authorization') }));
      }
    }
    // One header still works through the same raw path.
    const one = await raw(
      'POST',
      '/v1/transfers',
      ['Authorization', `Bearer ${payer.token}`, 'Idempotency-Key', `hh-one-${Math.random()}`, 'Content-Type', 'application/json'],
      transfer,
    );
    expect(one.status).toBe(201);
    expect(await payerEvents()).toBe(before + 1);
  }, 60_000);

  it('answers 415 for a body that is not application/json, and nothing moves', async () => {
    const before = await payerEvents();
    const json = JSON.stringify({ toUserId: 'hh-peer', amount: 100 });
    for (const [contentType, body] of [
      ['text/plain', json],
      ['application/x-www-form-urlencoded', 'toUserId=hh-peer&amount=100'],
      ['multipart/form-data; boundary=x', `--x\r\nContent-Disposition: form-data; name="amount"\r\n\r\n100\r\n--x--`],
      ['application/xml', '<transfer><amount>100</amount></transfer>'],
      [undefined, json],
    ] as const) {
      const headers = [
        'Authorization',
        `Bearer ${payer.token}`,
        'Idempotency-Key',
        `hh-${Math.random()}`,
        ...(contentType ? ['Content-Type', contentType] : []),
      ];
      const response = await raw('POST', '/v1/transfers', headers, body);
      if (response.status !== 415) throw new Error(`${contentType ?? 'no Content-Type'}: ${response.status} ${JSON.stringify(response.body)}`);
      expect(response.contentType).toMatch(/application\/problem\+json/);
      expect(response.body).toEqual(expect.objectContaining({ type: expect.stringMatching(/unsupported-media-type$/), status: 415 }));
    }
    expect(await payerEvents()).toBe(before);
  }, 60_000);

  it('refuses a compressed body with a 415, and any body on a query that would be refused on a command', async () => {
    const before = await payerEvents();
    const json = JSON.stringify({ toUserId: 'hh-peer', amount: 100 });
    for (const encoding of ['gzip', 'deflate', 'br', 'x-custom']) {
      const response = await raw(
        'POST',
        '/v1/transfers',
        ['Authorization', `Bearer ${payer.token}`, 'Idempotency-Key', `hh-enc-${encoding}`, 'Content-Type', 'application/json', 'Content-Encoding', encoding],
        json,
      );
      if (response.status !== 415) throw new Error(`Content-Encoding ${encoding}: ${response.status} ${JSON.stringify(response.body)}`);
      expect(response.body).toEqual(
        expect.objectContaining({ type: expect.stringMatching(/unsupported-media-type$/), detail: expect.stringContaining(encoding) }),
      );
    }
    expect(await payerEvents()).toBe(before);
    // A query reads no body, but one that is not JSON, too deep, too large or in another charset is refused as on any route.
    const query = (headers: string[], body: string) => raw('GET', '/v1/wallets/me', ['Authorization', `Bearer ${payer.token}`, ...headers], body);
    expect((await query(['Content-Type', 'application/json'], '{"a":')).status).toBe(400);
    expect((await query(['Content-Type', 'application/json'], `${'['.repeat(40)}${']'.repeat(40)}`)).status).toBe(400);
    expect((await query(['Content-Type', 'application/json'], JSON.stringify({ a: 'x'.repeat(70_000) }))).status).toBe(413);
    expect((await query(['Content-Type', 'application/json; charset=latin1'], '{}')).status).toBe(415);
    expect((await query(['Content-Type', 'text/plain'], 'hello')).status).toBe(415);
    expect((await query(['Content-Type', 'application/json'], '{"a":1}')).status).toBe(200);
  }, 60_000);

  it('routes as before: a trailing slash and the letters case make no difference, and an id of any length reaches its route', async () => {
    const auth = ['Authorization', `Bearer ${payer.token}`];
    for (const path of ['/v1/wallets/me', '/v1/wallets/me/', '/V1/Wallets/ME']) {
      const response = await raw('GET', path, auth);
      if (response.status !== 200) throw new Error(`${path}: ${response.status} ${JSON.stringify(response.body)}`);
    }
    // A path that is not valid percent-encoding is a 400 problem, like any bad input.
    for (const path of ['/v1/wallets/%FF', '/v1/red-packets/%E0%A4%A']) {
      const bad = await raw('GET', path, auth);
      expect(bad).toEqual(expect.objectContaining({ status: 400, contentType: expect.stringMatching(/^application\/problem\+json/) }));
      expect(bad.body).toEqual(expect.objectContaining({ type: expect.stringMatching(/\/bad-request$/), status: 400 }));
    }
    // The route's own answer about that packet, not the not-found of a path no route matches.
    const long = await raw('GET', `/v1/red-packets/${'p'.repeat(300)}`, auth);
    expect(long.body).toEqual(expect.objectContaining({ status: 404, type: expect.stringMatching(/\/red-packet-not-found$/) }));
  }, 60_000);

  it('takes a JSON body that starts with a byte order mark, as before', async () => {
    const response = await raw(
      'POST',
      '/v1/transfers',
      ['Authorization', `Bearer ${payer.token}`, 'Idempotency-Key', 'hh-bom', 'Content-Type', 'application/json'],
      `\ufeff${JSON.stringify({ toUserId: 'hh-peer', amount: 1 })}`,
    );
    expect(response.status).toBe(201);
  }, 60_000);

  it('still takes application/json with parameters, and a claim with no body and no Content-Type', async () => {
    const sent = await request(app.getHttpServer())
      .post('/v1/red-packets')
      .set('Authorization', `Bearer ${payer.token}`)
      .set('Idempotency-Key', 'hh-packet')
      .set('Content-Type', 'application/json; charset=utf-8')
      .send(JSON.stringify({ amount: 100, shares: 1, mode: 'lucky' }))
      .expect(201);
    const claimer = clientFor(app, 'hh-claimer');
    const claim = await raw('POST', `/v1/red-packets/${sent.body.redPacketId}/claims`, [
      'Authorization',
      `Bearer ${claimer.token}`,
      'Idempotency-Key',
      'hh-claim',
    ]);
    expect(claim).toEqual(expect.objectContaining({ status: 201, body: expect.objectContaining({ amount: 100 }) }));
  }, 60_000);
  const rawBytes = (text: string) => rawHttp(port, text);

  it('answers HTTP that Node’s parser refuses with a problem+json, and moves nothing', async () => {
    const before = await payerEvents();
    const auth = `Authorization: Bearer ${payer.token}\r\n`;
    const transfer = (headers: string, body: string) =>
      `POST /v1/transfers HTTP/1.1\r\nHost: x\r\n${auth}Idempotency-Key: hh-raw\r\nContent-Type: application/json\r\n${headers}Connection: close\r\n\r\n${body}`;
    const body = JSON.stringify({ toUserId: 'hh-peer', amount: 1 });
    const cases: [string, number][] = [
      [transfer(`Content-Length: ${body.length}\r\nContent-Length: ${body.length + 1}\r\n`, body), 400],
      [transfer('Content-Length: abc\r\n', body), 400],
      [transfer(`Content-Length: ${body.length}\r\nTransfer-Encoding: chunked\r\n`, `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`), 400],
      [transfer('Transfer-Encoding: chunked\r\n', `zz\r\n${body}\r\n0\r\n\r\n`), 400],
      [`GET /v1/wallets/me HTTP/1.1\r\nHost: x\r\n${auth}X-Bad: a\u0001b\r\nConnection: close\r\n\r\n`, 400],
      [`FOO /v1/wallets/me HTTP/1.1\r\nHost: x\r\n${auth}Connection: close\r\n\r\n`, 400],
      [`GET /v1/wallets/me HTTP/1.1\r\nHost: x\r\n${auth}X-Big: ${'a'.repeat(20_000)}\r\nConnection: close\r\n\r\n`, 431],
    ];
    for (const [text, status] of cases) {
      const answer = await rawBytes(text);
      expect({ statusLine: answer.statusLine.split(' ')[1], type: answer.headers.find((h) => /^content-type:/i.test(h)) }).toEqual({
        statusLine: String(status),
        type: 'Content-Type: application/problem+json; charset=utf-8',
      });
      expect(JSON.parse(answer.body)).toEqual(expect.objectContaining({ status, type: expect.stringMatching(/^https:\/\/zan\.dev\/problems\//) }));
    }
    expect(await payerEvents()).toBe(before);
  }, 60_000);
});
