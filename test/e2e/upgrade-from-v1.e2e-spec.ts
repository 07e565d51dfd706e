import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { INestApplication } from '@nestjs/common';
import Redis from 'ioredis';
import { Client as PgClient } from 'pg';
import { loadConfig } from '@zan/platform';
import { createZanApp } from '../../apps/zan/src/zan.app';
import { clientFor } from '../support/http-client';
import { dropIsolated, fullStackEnv } from '../support/stacks';

jest.setTimeout(120_000);

const run = promisify(execFile);

/**
 * docs/operations.md, "Moving a v1 deployment to the v1.1 topics": the api may keep serving while
 * the read models are rebuilt. Until then its Redis holds Zan v1's read models, in v1's key layout
 * (keys without slot tags), as a v1 projector left them: the rows below were read from one.
 */
describe('the api upgraded from v1, before its read models are rebuilt', () => {
  const env = fullStackEnv('upgrade-v1');
  let api: INestApplication;
  let redis: Redis;

  beforeAll(async () => {
    api = await createZanApp({ config: loadConfig(env), roles: ['api'], logger: ['error', 'fatal'] });
    await api.init();
    const pg = new PgClient({ connectionString: env.ZAN_EVENT_STORE });
    await pg.connect();
    const s = `"${env.ZAN_PG_SCHEMA}"`;
    // Alice's wallet as v1 stored it: opened, a card, a funding (one transaction per command).
    const rows: [string, number, string, number, object][] = [
      ['7c1f4a52-5d0e-4c43-9b1a-0e6f5a1c0001', 0, 'WalletOpened', 1, { kind: 'individual', userId: 'alice' }],
      ['7c1f4a52-5d0e-4c43-9b1a-0e6f5a1c0002', 1, 'BankCardLinked', 1, { cardId: 'icbc-6222', userId: 'alice', personal: true }],
      [
        '7c1f4a52-5d0e-4c43-9b1a-0e6f5a1c0003',
        2,
        'WalletFunded',
        2,
        { amount: 100000, source: { kind: 'card', cardId: 'icbc-6222' }, userId: 'alice', fundingId: 'a1ee764c-988a-57db-9d98-58a33c5c60a0' },
      ],
    ];
    for (const [id, revision, type, version, data] of rows) {
      await pg.query(
        `INSERT INTO ${s}.events (tx_index, id, stream_id, revision, type, version, data, metadata, occurred_at)
         VALUES (0, $1, 'wallet-alice', $2, $3, $4, $5, '{"userId":"alice","causationId":"d8c599e3-3d0c-4d9e-8d98-d6cd62aa6340","correlationId":"ef9e2c0f-7199-401f-b1d6-b4e1eea91a5d"}', now())`,
        [id, revision, type, version, JSON.stringify(data)],
      );
    }
    await pg.query(`INSERT INTO ${s}.streams (stream_id, revision) VALUES ('wallet-alice', 2)`);
    const { rows: head } = await pg.query<{ position: string }>(
      `SELECT (transaction_id::text::numeric * 100000 + tx_index)::text AS position FROM ${s}.events ORDER BY transaction_id DESC, tx_index DESC LIMIT 1`,
    );
    await pg.end();
    redis = new Redis(env.REDIS_URL!);
    const p = env.ZAN_REDIS_PREFIX!;
    await redis.hset(`${p}g0:wallet:alice`, { userId: 'alice', kind: 'individual', balance: '100000' });
    await redis.hset(`${p}g0:applied:wallet`, { 'wallet-alice': '2' });
    await redis.hset(`${p}g0:stats`, { applied: '3', 'applied:wallet': '3' });
    await redis.set(`${p}g0:watermark`, head[0]!.position);
  });

  afterAll(async () => {
    await api?.close();
    await redis?.quit();
    await dropIsolated(env);
  });

  it('answers 503 (retry) until the rebuild, never "wallet not found", then the balance v1 showed', async () => {
    const alice = clientFor(api, 'alice');
    const before = await alice.get('/v1/wallets/me');
    expect({ status: before.status, type: before.body.type, retryAfter: before.headers['retry-after'] }).toEqual({
      status: 503,
      type: expect.stringMatching(/read-model-behind$/),
      retryAfter: expect.any(String),
    });
    expect(before.body.detail).toMatch(/zan projections rebuild/);
    expect((await alice.get('/v1/authors/alice/earnings')).status).toBe(503);

    const rebuilt = await run(process.execPath, [join(__dirname, '../../bin/zan.js'), 'projections', 'rebuild'], { env: { ...process.env, ...env } });
    expect(rebuilt.stdout + rebuilt.stderr).toMatch(/rebuilt the read models/);
    const after = await alice.get('/v1/wallets/me');
    expect({ status: after.status, balance: after.body.balance }).toEqual({ status: 200, balance: 100000 });
  });
});

/**
 * A funding Zan v1 stored, whose idempotency record it left pending (it crashed, or lost its
 * relaxed completion, before answering): its retry after the upgrade takes the record over and must
 * answer what v1 stored. Ids, event ids and the request hash are v1's, as a v1 api wrote them for
 * alice's `fund-a1` (command id uuid5('command', user, key) then, without the request's hash).
 */
describe('a request Zan v1 left in flight, retried after the upgrade', () => {
  const env = fullStackEnv('upgrade-v1-inflight');
  let api: INestApplication;
  let pg: PgClient;
  const s = `"${env.ZAN_PG_SCHEMA}"`;
  const funding = { amount: 100000, cardId: 'icbc-6222' };
  const v1 = {
    fundingId: 'a1ee764c-988a-57db-9d98-58a33c5c60a0',
    fundingEventId: '42b39dfe-ba1a-54e2-8149-82210688fb98',
    fundingHash: 'e1f892af15021c5213a38ac77611392ba16f1270a617df2fb911a33c81acba7d',
    fundCommandId: 'd03c98c1-ae42-5408-8ed5-dc6118b0f3ff',
  };

  beforeAll(async () => {
    api = await createZanApp({ config: loadConfig(env), roles: ['api'], logger: ['error', 'fatal'] });
    await api.init();
    pg = new PgClient({ connectionString: env.ZAN_EVENT_STORE });
    await pg.connect();
    const meta = (extra: object = {}) =>
      JSON.stringify({ userId: 'alice', causationId: v1.fundCommandId, correlationId: 'c06eac8f-394c-4e33-8b20-104ec444b78f', ...extra });
    const rows: [string, number, string, number, object, string][] = [
      ['788df9f2-6dbc-5c0e-86e4-e48ac1afc680', 0, 'WalletOpened', 1, { kind: 'individual', userId: 'alice' }, meta()],
      ['5c50439b-7371-5f4a-a131-061c083cc511', 1, 'BankCardLinked', 1, { cardId: 'icbc-6222', userId: 'alice', personal: true }, meta()],
      [
        v1.fundingEventId,
        2,
        'WalletFunded',
        2,
        { amount: 100000, source: { kind: 'card', cardId: 'icbc-6222' }, userId: 'alice', fundingId: v1.fundingId },
        meta({ idempotencyKey: 'fund-a1' }),
      ],
    ];
    for (const [id, revision, type, version, data, metadata] of rows) {
      await pg.query(
        `INSERT INTO ${s}.events (tx_index, id, stream_id, revision, type, version, data, metadata, occurred_at) VALUES (0, $1, 'wallet-alice', $2, $3, $4, $5, $6, now())`,
        [id, revision, type, version, JSON.stringify(data), metadata],
      );
    }
    await pg.query(`INSERT INTO ${s}.streams (stream_id, revision) VALUES ('wallet-alice', 2)`);
    // v1's record of the funding, never completed; its lease (milliseconds, as v1 wrote it) long over.
    await pg.query(
      `INSERT INTO ${s}.idempotency (scope, key, request_hash, state, response, locked_until, created_at)
       VALUES ('alice', 'fund-a1', $1, 'pending', NULL, date_trunc('milliseconds', now() - interval '1 minute'), date_trunc('milliseconds', now() - interval '2 minutes'))`,
      [v1.fundingHash],
    );
  });

  afterAll(async () => {
    await pg?.end();
    await api?.close();
    await dropIsolated(env);
  });

  it('answers the funding v1 stored: its fundingId, nothing stored again', async () => {
    const alice = clientFor(api, 'alice');
    const retried = await alice.post('/v1/wallets/me/fundings', funding, 'fund-a1');
    expect({ status: retried.status, fundingId: retried.body.fundingId, balance: retried.body.balance }).toEqual({
      status: 201,
      fundingId: v1.fundingId,
      balance: 100000,
    });
    const { rows } = await pg.query(`SELECT count(*)::int AS n FROM ${s}.events WHERE stream_id = 'wallet-alice'`);
    expect(rows[0].n).toBe(3);
    // and the same answer ever after
    expect((await alice.post('/v1/wallets/me/fundings', funding, 'fund-a1')).body.fundingId).toBe(v1.fundingId);
  });
});
