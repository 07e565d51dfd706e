import type { INestApplication } from '@nestjs/common';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { EVENT_STORE, type EventStore } from '@zan/event-store';
import { clientFor, fundedUser, publishArticle, type Client } from '../support/http-client';
import { startEmbeddedZan } from '../support/stacks';

/**
 * Bodies that JSON.parse reads one way and a reader (a proxy, a log, a person) reads another:
 * a fraction or exponent that parses to a whole number (1.0000000000000001 is read as 1: money
 * rounded), a key given twice (the last one wins: `{"amount":-5,"amount":100}` would pass a check
 * of the first), keys that reach the prototype (__proto__, constructor), and a null where an
 * optional list belongs. Each is a 400 validation problem naming the field, and nothing moves.
 */
describe('hostile JSON bodies (embedded default)', () => {
  let zan: Awaited<ReturnType<typeof startEmbeddedZan>>;
  let app: INestApplication;
  let payer: Client;
  let store: EventStore;
  const streams = ['wallet-hj-payer', 'wallet-hj-peer'];
  const eventCounts = () => Promise.all(streams.map(async (stream) => (await store.readStream(stream)).length));

  const postRaw = (path: string, raw: string) =>
    request(app.getHttpServer())
      .post(path)
      .set('Authorization', `Bearer ${payer.token}`)
      .set('Idempotency-Key', `hj-${Math.random().toString(36).slice(2)}`)
      .set('Content-Type', 'application/json')
      .send(raw);

  const expectFieldProblem = (response: request.Response, field: string, label: string) => {
    if (response.status !== 400) throw new Error(`${label}: answered ${response.status} ${JSON.stringify(response.body)}`);
    expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(response.body).toEqual(expect.objectContaining({ type: expect.stringMatching(/\/validation$/), status: 400, detail: expect.any(String) }));
    if (!response.body.errors?.some((error: { field: string }) => error.field === field)) {
      throw new Error(`${label}: errors do not name ${field}: ${JSON.stringify(response.body)}`);
    }
  };

  beforeAll(async () => {
    zan = await startEmbeddedZan();
    app = zan.app;
    store = app.get(EVENT_STORE);
    ({ client: payer } = await fundedUser(app, 'hj-payer', 100_000));
    await fundedUser(app, 'hj-peer', 0);
    await publishArticle(app, 'hj-peer', 'a1');
  }, 120_000);
  afterAll(async () => {
    await zan?.close();
  }, 60_000);

  const ROUTES: { path: string; fields: Record<string, string>; amount: string }[] = [
    { path: '/v1/wallets/me/fundings', fields: { cardId: '"card-hj-payer"' }, amount: 'amount' },
    { path: '/v1/wallets/me/withdrawals', fields: { cardId: '"card-hj-payer"' }, amount: 'amount' },
    { path: '/v1/transfers', fields: { toUserId: '"hj-peer"' }, amount: 'amount' },
    { path: '/v1/tips', fields: { authorId: '"hj-peer"', articleId: '"a1"' }, amount: 'amount' },
    { path: '/v1/red-packets', fields: { shares: '2', mode: '"lucky"' }, amount: 'amount' },
    { path: '/v1/red-packets', fields: { amount: '600', mode: '"lucky"' }, amount: 'shares' },
  ];
  const body = (fields: Record<string, string>, extra: string) =>
    `{${[...Object.entries(fields).map(([name, value]) => `"${name}":${value}`), extra].join(',')}}`;

  it('refuses amounts written with a fraction or an exponent, even when they parse to a whole number', async () => {
    const before = await eventCounts();
    for (const route of ROUTES) {
      for (const literal of ['1.0000000000000001', '600.0', '6e2', '6E2', '6e+2', '60000e-2', '0.6e3', '-0.0']) {
        const response = await postRaw(route.path, body(route.fields, `"${route.amount}":${literal}`));
        expectFieldProblem(response, route.amount, `${route.path} ${route.amount}=${literal}`);
      }
    }
    expect(await eventCounts()).toEqual(before);
  }, 120_000);

  it('refuses a key given twice, whichever value comes last', async () => {
    const before = await eventCounts();
    for (const route of ROUTES) {
      for (const pair of [
        ['-5', '600'],
        ['600', '-5'],
        ['600', '600'],
      ]) {
        const response = await postRaw(route.path, body(route.fields, `"${route.amount}":${pair[0]},"${route.amount}":${pair[1]}`));
        expectFieldProblem(response, route.amount, `${route.path} ${route.amount} twice ${pair.join(',')}`);
      }
    }
    // Escapes spell the same key: still a duplicate.
    expectFieldProblem(await postRaw('/v1/transfers', '{"toUserId":"hj-peer","amount":600,"\\u0061mount":1}'), 'amount', 'escaped duplicate');
    expectFieldProblem(await postRaw('/v1/transfers', '{"toUserId":"hj-peer","toUserId":"hj-payer","amount":600}'), 'toUserId', 'payee twice');
    expect(await eventCounts()).toEqual(before);
  }, 60_000);

  it('refuses keys that reach the prototype, at any depth, like any unknown field', async () => {
    const before = await eventCounts();
    for (const key of ['__proto__', 'constructor', 'prototype', '\\u005f_proto__']) {
      const top = await postRaw('/v1/transfers', `{"toUserId":"hj-peer","amount":600,"${key}":{"isAdmin":true}}`);
      expectFieldProblem(top, JSON.parse(`"${key}"`), `top-level ${key}`);
    }
    const nested = await postRaw('/v1/red-packets', '{"amount":600,"shares":2,"mode":"lucky","recipients":[{"__proto__":{"x":1}}]}');
    if (nested.status !== 400) throw new Error(`nested __proto__: ${nested.status} ${JSON.stringify(nested.body)}`);
    expect(await eventCounts()).toEqual(before);
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  }, 60_000);

  it('refuses null where an optional list belongs, with the field named', async () => {
    const response = await postRaw('/v1/red-packets', '{"amount":600,"shares":2,"mode":"lucky","recipients":null}');
    expectFieldProblem(response, 'recipients', 'recipients null');
  }, 60_000);

  it('refuses a body that is not valid UTF-8 (it was read with U+FFFD in place of the bad bytes, and stored so)', async () => {
    const before = await eventCounts();
    const bodies = [
      Buffer.concat([Buffer.from('{"toUserId":"hj-peer","amount":600,"note":"thanks'), Buffer.from([0xc3]), Buffer.from('"}')]),
      Buffer.concat([Buffer.from('{"toUserId":"hj-peer","amount":600,"note":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]),
      Buffer.concat([Buffer.from('{"toUserId":"hj-peer","amount":600,"note":"'), Buffer.from([0xf8, 0x88, 0x80, 0x80, 0x80]), Buffer.from('"}')]),
    ];
    // Raw bytes need a real socket: supertest would serialise a Buffer as JSON.
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as AddressInfo;
    for (const raw of bodies) {
      const response = await fetch(`http://127.0.0.1:${port}/v1/transfers`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${payer.token}`, 'Idempotency-Key': `hj-${Math.random().toString(36).slice(2)}`, 'Content-Type': 'application/json' },
        body: raw,
      });
      const answer = await response.text();
      if (response.status !== 400) throw new Error(`${raw.toString('hex')}: ${response.status} ${answer}`);
      expect(response.headers.get('content-type')).toMatch(/application\/problem\+json/);
    }
    expect(await eventCounts()).toEqual(before);
  }, 60_000);

  it('refuses fields on a claim, which takes no body (the amount is drawn, never sent); an empty object is no body', async () => {
    const sent = await payer.post('/v1/red-packets', { amount: 600, shares: 3, mode: 'lucky' }).expect(201);
    const claims = `/v1/red-packets/${sent.body.redPacketId}/claims`;
    const claimer = clientFor(app, 'hj-claimer');
    for (const body of [{ amount: 600 }, { userId: 'hj-payer' }, ['x']]) {
      const response = await claimer.post(claims, body as object);
      if (response.status !== 400) throw new Error(`claim with ${JSON.stringify(body)}: ${response.status} ${JSON.stringify(response.body)}`);
      expect(response.body).toEqual(expect.objectContaining({ type: expect.stringMatching(/\/validation$/), errors: expect.any(Array) }));
    }
    expect((await store.readStream(`red-packet-${sent.body.redPacketId}`)).filter((event) => event.type === 'RedPacketClaimed')).toEqual([]);
    await claimer.post(claims, {}).expect(201);
    await clientFor(app, 'hj-claimer-2').post(claims).expect(201);
  }, 60_000);

  it('refuses fields on every other route that takes no body, and acts on none of them', async () => {
    const shop = (await fundedUser(app, 'hj-shop', 0, 'business')).client;
    const productId = (await shop.post('/v1/merchants/me/products', { title: '月饼', price: 100 }).expect(201)).body.productId as string;
    const admin = clientFor(app, 'hj-admin', { roles: ['admin'] });
    const endpointId = (await admin.post('/v1/webhooks/endpoints', { url: 'https://example.com/hj', events: ['TipReceived'] }, null).expect(201)).body
      .endpointId as string;
    const fields = { amount: 100, extra: true };
    const refused = async (label: string, sent: request.Test) => {
      const response = await sent;
      if (response.status !== 400) throw new Error(`${label} with a body: ${response.status} ${JSON.stringify(response.body)}`);
      expect(response.body).toEqual(expect.objectContaining({ type: expect.stringMatching(/\/validation$/), errors: expect.any(Array) }));
    };
    const before = await store.readAll();
    await refused('like', payer.post('/v1/articles/a1/likes', fields));
    await refused('unlike', payer.delete('/v1/articles/a1/likes/me').send(fields));
    await refused('delist', shop.delete(`/v1/merchants/me/products/${productId}`).send(fields));
    await refused('secret rotation', admin.post(`/v1/webhooks/endpoints/${endpointId}/secret-rotations`, fields, null));
    await refused('enable', admin.post(`/v1/webhooks/endpoints/${endpointId}/enable`, fields, null));
    await refused('endpoint removal', admin.delete(`/v1/webhooks/endpoints/${endpointId}`).send(fields));
    await refused('shredding', admin.delete('/v1/admin/users/hj-peer/personal-data').send(fields));
    expect((await store.readAll()).length).toBe(before.length);
    // Nothing was done: the first like is new, the endpoint is still there to remove, the product to delist.
    await payer.post('/v1/articles/a1/likes').expect(201);
    await admin.delete(`/v1/webhooks/endpoints/${endpointId}`).expect(204);
    await shop.delete(`/v1/merchants/me/products/${productId}`).expect(204);
  }, 60_000);

  it('still takes integers written plainly, with any spacing and key order, and big enough ones', async () => {
    const response = await postRaw('/v1/transfers', '{ "amount" : 600 ,\n "toUserId" : "hj-peer", "note": "1.5e3 in text is text" }');
    expect(response.status).toBe(201);
    const within = await postRaw('/v1/red-packets', '{"amount":600,"shares":2,"mode":"lucky","greeting":"\\"6e2\\" \\\\"}');
    expect(within.status).toBe(201);
  }, 60_000);
});
