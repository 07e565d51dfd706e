import type { INestApplication } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { ManualClock, createAdapters, loadConfig, type Adapters } from '@zan/platform';
import { createZanApp } from '../../apps/zan/src/zan.app';
import { ExpiryScheduler } from '../../apps/api/src/process-managers/expiry.scheduler';
import { seedDataDir } from '../support/data-dirs';
import { fundedUser } from '../support/http-client';
import { isolation, testServers } from '../support/isolation';
import { TEST_JWT_SECRET } from '../support/tokens';

/**
 * Beside EventStoreDB there is no SQL database, so the api keeps idempotency records and expiry
 * timers in Redis. EventStoreDB cannot run here: this runs the whole api on the embedded event store
 * with its SQL client withheld, which is exactly what the api sees on EventStoreDB.
 */
describe('the api without a SQL database beside the events (as on EventStoreDB)', () => {
  const clock = new ManualClock(new Date('2026-01-01T00:00:00Z'));
  const { redisPrefix } = isolation('no-sql');
  const dataDir = mkdtempSync(join(tmpdir(), 'zan-no-sql-'));
  let adapters: Adapters;
  let app: INestApplication;
  let redis: Redis;

  beforeAll(async () => {
    await seedDataDir(dataDir);
    const config = loadConfig({
      NODE_ENV: 'test',
      ZAN_DATA_DIR: dataDir,
      ZAN_JWT_SECRET: TEST_JWT_SECRET,
      REDIS_URL: testServers().redisUrl,
      ZAN_REDIS_PREFIX: redisPrefix,
    });
    adapters = await createAdapters(config);
    app = await createZanApp({ config, clock, adapters: { ...adapters, sql: undefined }, logger: ['error', 'fatal'] });
    await app.init();
    redis = new Redis(testServers().redisUrl);
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await Promise.allSettled([adapters?.bus?.close(), adapters?.readModels?.close()]);
    await adapters?.eventStore?.close();
    const keys = await redis.keys(`${redisPrefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis?.quit();
    rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('replays a funding for its Idempotency-Key from Redis, makes one effect of 20 copies, and keeps no SQL table', async () => {
    const { client } = await fundedUser(app, 'ana', 0);
    const first = await client.post('/v1/wallets/me/fundings', { amount: 500, cardId: 'card-ana' }, 'fund-1').expect(201);
    const again = await client.post('/v1/wallets/me/fundings', { amount: 500, cardId: 'card-ana' }, 'fund-1').expect(201);
    expect(again.text).toBe(first.text);
    expect(again.headers['idempotent-replayed']).toBe('true');
    await client.post('/v1/wallets/me/fundings', { amount: 501, cardId: 'card-ana' }, 'fund-1').expect(409);

    const copies = await Promise.all(Array.from({ length: 20 }, () => client.post('/v1/wallets/me/fundings', { amount: 700, cardId: 'card-ana' }, 'burst')));
    expect(copies.map((r) => r.status)).toEqual(Array(20).fill(201));
    expect(new Set(copies.map((r) => r.body.fundingId)).size).toBe(1);
    const wallet = await client.get(`/v1/wallets/me?after=${copies[0]!.body.position}`).expect(200);
    expect(wallet.body.balance).toBe(1_200);

    expect(await redis.exists(`${redisPrefix}api:idempotency:ana:fund-1`)).toBe(1);
    const { rows } = await adapters.sql!.query<{ table: string | null }>(`SELECT to_regclass('zan.idempotency')::text AS table`);
    expect(rows).toEqual([{ table: null }]);
  });

  it('keeps a red packet expiry timer in Redis and refunds once when it is due', async () => {
    const { client: sender } = await fundedUser(app, 'sender', 2_000);
    const sent = await sender.post('/v1/red-packets', { amount: 1_000, shares: 2, mode: 'equal' }).expect(201);
    const id: string = sent.body.redPacketId;
    await waitFor(async () => (await redis.zscore(`${redisPrefix}api:timers`, `red-packet:${id}`)) !== null);
    expect(Number(await redis.zscore(`${redisPrefix}api:timers`, `red-packet:${id}`))).toBe(Date.parse(sent.body.expiresAt));

    clock.advance(24 * 60 * 60 * 1000);
    const scheduler = app.get(ExpiryScheduler);
    await scheduler.runDue();
    await scheduler.runDue();
    await waitFor(async () => (await sender.get('/v1/wallets/me')).body.balance === 2_000);
    expect(await redis.zscore(`${redisPrefix}api:timers`, `red-packet:${id}`)).toBeNull();
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
