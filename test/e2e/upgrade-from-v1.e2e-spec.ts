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
