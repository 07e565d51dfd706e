import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@nestjs/common';
import { PgSqlClient, quoteIdent } from '@zan/event-store';
import { DEFAULT_RETRY_POLICY, SqlWebhookStore, type WebhookStore } from '@zan/webhooks';
import { eventually } from '../../../test/support/eventually';
import { isolation, testServers } from '../../../test/support/isolation';
import { Dispatcher } from './dispatcher';

// The dispatcher on the real PostgreSQL webhook store, sending to a real receiver on loopback.
const { databaseUrl } = testServers();
jest.setTimeout(30_000);

describe('webhook dispatcher', () => {
  const { pgSchema } = isolation('dispatcher');
  let sql: PgSqlClient;
  let store: SqlWebhookStore;
  const received: string[] = [];
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push((JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: string }).id);
      res.writeHead(204).end();
    });
  });

  beforeAll(async () => {
    sql = new PgSqlClient({ connectionString: databaseUrl, poolSize: 4 });
    await sql.query(`CREATE SCHEMA ${quoteIdent(pgSchema)}`);
    store = new SqlWebhookStore(sql, pgSchema);
    await store.migrate();
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    receiver.closeAllConnections();
    await new Promise((resolve) => receiver.close(resolve));
    await sql.query(`DROP SCHEMA ${quoteIdent(pgSchema)} CASCADE`);
    await sql.close();
  });

  it("sends a stream's next delivery right after the one before, when the store hands it over before that one's work has ended", async () => {
    const endpointId = randomUUID();
    await store.createEndpoint({
      id: endpointId,
      url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`,
      events: ['TipPraised'],
      status: 'enabled',
      fromPosition: 0n,
      createdAt: new Date().toISOString(),
      secrets: [{ secret: `whsec_${Buffer.alloc(24, 7).toString('base64')}` }],
    });
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    await store.enqueue(
      ids.map((eventId, i) => ({
        endpointId,
        eventId,
        eventType: 'TipPraised',
        streamId: 'wallet-reader1',
        position: BigInt(i + 1),
        body: JSON.stringify({ id: eventId }),
        occurredAt: new Date().toISOString(),
      })),
    );
    // Each record's answer reaches the dispatcher 300 ms after it committed, as when the answer of a
    // claim made meanwhile on another connection overtakes it.
    const lateAnswers = new Proxy(store, {
      get: (target, name, receiverOf) =>
        name === 'record'
          ? async (...args: Parameters<WebhookStore['record']>) => {
              const recorded = await target.record(...args);
              await new Promise((resolve) => setTimeout(resolve, 300));
              return recorded;
            }
          : (Reflect.get(target, name, receiverOf) as unknown),
    }) as WebhookStore;
    // A lease of 35 s: a delivery dropped after its claim would come again only then.
    const dispatcher = new Dispatcher(
      lateAnswers,
      { retry: DEFAULT_RETRY_POLICY, timeoutMs: 30_000, allowPrivate: true, concurrency: 8, pollMs: 20, now: () => new Date() },
      new Logger('dispatcher-spec'),
    );
    dispatcher.start();
    try {
      await eventually('the stream delivered', async () => received.length >= ids.length, 10_000, 20);
    } finally {
      await dispatcher.stop();
    }
    expect(received).toEqual(ids);
  });

  it("keeps a hanging endpoint to its share of the slots: another endpoint's delivery goes out without waiting for its timeouts", async () => {
    const hanging = createServer(() => undefined); // reads the request, never answers
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    const endpoint = async (port: number) => {
      const id = randomUUID();
      await store.createEndpoint({
        id,
        url: `http://127.0.0.1:${port}/hooks`,
        events: ['TipPraised'],
        status: 'enabled',
        fromPosition: 0n,
        createdAt: new Date().toISOString(),
        secrets: [{ secret: `whsec_${Buffer.alloc(24, 7).toString('base64')}` }],
      });
      return id;
    };
    const slow = await endpoint((hanging.address() as AddressInfo).port);
    const fast = await endpoint((receiver.address() as AddressInfo).port);
    const delivery = (endpointId: string, streamId: string, position: number) => ({
      endpointId,
      eventId: randomUUID(),
      eventType: 'TipPraised',
      streamId,
      position: BigInt(position),
      body: JSON.stringify({ id: randomUUID() }),
      occurredAt: new Date().toISOString(),
    });
    // Eight streams of the hanging endpoint fall due before the other endpoint's one delivery.
    await store.enqueue(Array.from({ length: 8 }, (_, i) => delivery(slow, `wallet-slow${i}`, i + 1)));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const awaited = delivery(fast, 'wallet-fast', 100);
    await store.enqueue([awaited]);
    const dispatcher = new Dispatcher(
      store,
      { retry: DEFAULT_RETRY_POLICY, timeoutMs: 5_000, allowPrivate: true, concurrency: 4, pollMs: 20, now: () => new Date() },
      new Logger('dispatcher-spec'),
    );
    const started = Date.now();
    dispatcher.start();
    try {
      await eventually('the other endpoint served', async () => received.includes(JSON.parse(awaited.body).id as string), 10_000, 20);
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      hanging.closeAllConnections();
      await dispatcher.stop();
      await new Promise((resolve) => hanging.close(resolve));
    }
  });

  it('lets an endpoint that answers in time use all but a share of the slots, and holds it to its share once it answers slowly', async () => {
    // Under the dispatcher's 1 s "slow", with room for claims slowed by a loaded machine.
    let holdMs = 600;
    let open = 0;
    const peaks: number[] = [];
    const lagging = createServer((req, res) => {
      open++;
      peaks.push(open);
      req.resume();
      req.on('end', () =>
        setTimeout(() => {
          open--;
          res.writeHead(204).end();
        }, holdMs),
      );
    });
    await new Promise<void>((resolve) => lagging.listen(0, '127.0.0.1', resolve));
    const endpointId = randomUUID();
    await store.createEndpoint({
      id: endpointId,
      url: `http://127.0.0.1:${(lagging.address() as AddressInfo).port}/hooks`,
      events: ['TipPraised'],
      status: 'enabled',
      fromPosition: 0n,
      createdAt: new Date().toISOString(),
      secrets: [{ secret: `whsec_${Buffer.alloc(24, 7).toString('base64')}` }],
    });
    const enqueue = (wave: string, streams: number) =>
      store.enqueue(
        Array.from({ length: streams }, (_, i) => ({
          endpointId,
          eventId: randomUUID(),
          eventType: 'TipPraised',
          streamId: `wallet-${wave}${i}`,
          position: BigInt(i + 1),
          body: JSON.stringify({ id: randomUUID() }),
          occurredAt: new Date().toISOString(),
        })),
      );
    // Concurrency 8: a share is 2, and all but a share is 6.
    const dispatcher = new Dispatcher(
      store,
      { retry: DEFAULT_RETRY_POLICY, timeoutMs: 5_000, allowPrivate: true, concurrency: 8, pollMs: 20, now: () => new Date() },
      new Logger('dispatcher-spec'),
    );
    await enqueue('fast', 24);
    dispatcher.start();
    try {
      await eventually('the first wave delivered', async () => peaks.length === 24 && open === 0, 20_000, 20);
      // All but a share at once (2 before: every endpoint was held to a share); never more.
      expect(Math.max(...peaks)).toBeGreaterThanOrEqual(5);
      expect(Math.max(...peaks)).toBeLessThanOrEqual(6);
      // Now the receiver takes longer than the dispatcher's "slow" (1 s, or half the timeout).
      holdMs = 1_200;
      await enqueue('slow', 12);
      await eventually('the second wave delivered', async () => peaks.length === 36 && open === 0, 20_000, 20);
      // Its first claims went out while it still looked fast; after them, at most a share more at a time.
      expect(Math.max(...peaks.slice(24 + 6))).toBeLessThanOrEqual(3);
    } finally {
      await dispatcher.stop();
      lagging.closeAllConnections();
      await new Promise((resolve) => lagging.close(resolve));
    }
  });
});
