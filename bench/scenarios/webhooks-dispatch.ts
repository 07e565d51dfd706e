/**
 * The webhook dispatcher and its store alone, no stack: a backlog queued straight into the store
 * (one endpoint, the deliveries spread over many streams), then the dispatcher (apps/webhooks)
 * drains it to a fast receiver on loopback. Deliveries/s from the first arrival to the last, on
 * PostgreSQL (SqlWebhookStore) and on Redis (RedisWebhookStore). The webhooks scenario reports it
 * beside the full stack's figure; alone:
 *   node --require ./infra/register-ts.js bench/scenarios/webhooks-dispatch.ts sql 20000
 */
import type { Logger } from '@nestjs/common';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { PgSqlClient, quoteIdent } from '@zan/event-store';
import { DEFAULT_RETRY_POLICY, RedisWebhookStore, SqlWebhookStore, type NewDelivery, type WebhookStore } from '@zan/webhooks';
import { Dispatcher } from '../../apps/webhooks/src/dispatcher';
import { benchEnv } from '../lib/servers';

export interface DispatchFigures {
  deliveries: number;
  perSecond: number;
  elapsedMs: number;
  queueMs: number;
}

const quiet = {
  debug: () => undefined,
  log: () => undefined,
  warn: (m: unknown) => console.warn(m),
  error: (m: unknown) => console.error(m),
} as unknown as Logger;

const drain = async (store: WebhookStore, deliveries: number, streams: number, concurrency: number): Promise<DispatchFigures> => {
  let arrived = 0;
  let first = 0;
  let last = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (arrived++ === 0) first = performance.now();
      last = performance.now();
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await store.migrate();
    const endpointId = '00000000-0000-4000-8000-000000000001';
    await store.createEndpoint({
      id: endpointId,
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
      events: ['TipPraised'],
      status: 'enabled',
      fromPosition: 0n,
      createdAt: new Date().toISOString(),
      secrets: [{ secret: `whsec_${randomBytes(24).toString('base64')}` }],
    });
    const queueStarted = performance.now();
    const occurredAt = new Date().toISOString();
    for (let from = 0; from < deliveries; from += 500) {
      const batch: NewDelivery[] = [];
      for (let i = from; i < Math.min(deliveries, from + 500); i++) {
        const eventId = `00000000-0000-4000-8000-${(i + 1).toString().padStart(12, '0')}`;
        const streamId = `wallet-bench-${i % streams}`;
        batch.push({
          endpointId,
          eventId,
          eventType: 'TipPraised',
          streamId,
          position: BigInt(i + 1),
          body: JSON.stringify({ id: eventId, subject: streamId }),
          occurredAt,
        });
      }
      await store.enqueue(batch);
    }
    const queueMs = performance.now() - queueStarted;
    const dispatcher = new Dispatcher(
      store,
      { retry: DEFAULT_RETRY_POLICY, timeoutMs: 10_000, allowPrivate: true, concurrency, pollMs: 250, now: () => new Date() },
      quiet,
    );
    dispatcher.start();
    const deadline = Date.now() + 600_000;
    while (arrived < deliveries && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    await dispatcher.stop();
    const elapsedMs = last - first;
    return {
      deliveries: arrived,
      perSecond: elapsedMs > 0 ? Math.round((arrived * 1000) / elapsedMs) : 0,
      elapsedMs: Math.round(elapsedMs),
      queueMs: Math.round(queueMs),
    };
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
};

/** Drains `deliveries` over `streams` streams with the SQL store, in a schema of its own (removed after). */
export const dispatchOnPostgres = async (databaseUrl: string, deliveries: number, streams = 1000, concurrency = 64): Promise<DispatchFigures> => {
  const schema = `bench_hooks_${randomBytes(4).toString('hex')}`;
  const sql = new PgSqlClient({ connectionString: databaseUrl, poolSize: 20 });
  try {
    await sql.query(`CREATE SCHEMA ${quoteIdent(schema)}`);
    return await drain(new SqlWebhookStore(sql, schema), deliveries, streams, concurrency);
  } finally {
    await sql.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`).catch(() => undefined);
    await sql.close();
  }
};

/** The same with the Redis store, under a key prefix of its own (removed after). */
export const dispatchOnRedis = async (redisUrl: string, deliveries: number, streams = 1000, concurrency = 64): Promise<DispatchFigures> => {
  const prefix = `bench:hooks:${randomBytes(4).toString('hex')}:`;
  const store = new RedisWebhookStore({ redis: redisUrl, prefix });
  try {
    return await drain(store, deliveries, streams, concurrency);
  } finally {
    await store.close();
    const redis = new Redis(redisUrl);
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
    await redis.quit();
  }
};

if (require.main === module) {
  const [kind = 'sql', count = '20000'] = process.argv.slice(2);
  const env = benchEnv();
  (kind === 'redis' ? dispatchOnRedis(env.REDIS_URL!, Number(count)) : dispatchOnPostgres(env.DATABASE_URL!, Number(count))).then(
    (figures) => {
      console.log(JSON.stringify({ kind, ...figures }));
      process.exit(0);
    },
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}
