import Redis from 'ioredis';
import { Pool } from 'pg';
import { randomUUID } from 'node:crypto';
import { redPacketStream, type RedPacketEscrowed, type RedPacketSent, type StoredEvent } from '@zan/contracts';
import { createPostgresEventStore, type PostgresEventStore } from '@zan/event-store';
import { ZanMetrics, systemClock } from '@zan/platform';
import { isolation, testServers } from '../../../../test/support/isolation';
import { CommandRunner } from '../command-path/command-runner';
import { CommandMetrics } from '../observability/command-metrics';
import { RedPacketStreams } from '../command-path/red-packet-streams';
import { ExpiryScheduler, RETRY_FAILED_AFTER_MS } from './expiry.scheduler';
import { RedisTimerStore, SqlTimerStore, type TimerCause, type TimerStore } from '@zan/stores';

/** Faults are injected by wrapping the ports (the packet streams, the timer store); PostgreSQL and Redis are real. */
class FailingPackets extends RedPacketStreams {
  failing = new Set<string>();
  override expire(redPacketId: string, now: Date, cause: { correlationId: string; causationId: string }) {
    if (this.failing.has(redPacketId)) return Promise.reject(new Error(`injected: the event store refused ${redPacketId}`));
    return super.expire(redPacketId, now, cause);
  }
}

class FailingCancels implements TimerStore {
  failCancels = 0;
  constructor(private readonly inner: TimerStore) {}
  schedule(id: string, dueAt: Date, cause?: TimerCause) {
    return this.inner.schedule(id, dueAt, cause);
  }
  cancel(id: string) {
    if (this.failCancels > 0) {
      this.failCancels--;
      return Promise.reject(new Error('injected: the timer store is down'));
    }
    return this.inner.cancel(id);
  }
  due(now: Date, limit: number) {
    return this.inner.due(now, limit);
  }
}

describe.each(['PostgreSQL', 'Redis'])('ExpiryScheduler when an expiry fails (timers in %s)', (timerBackend) => {
  const { pgSchema, redisPrefix } = isolation('expiry-faults');
  let store: PostgresEventStore;
  let redis: Redis | undefined;
  let timerStore: TimerStore;
  let runner: CommandRunner;
  const start = new Date('2026-12-01T00:00:00Z');
  let now = start;
  const clock = { now: () => now };

  beforeAll(async () => {
    store = await createPostgresEventStore({ connectionString: testServers().databaseUrl, schema: pgSchema, poolSize: 4 });
    if (timerBackend === 'Redis') {
      redis = new Redis(testServers().redisUrl);
      timerStore = new RedisTimerStore(redis, { prefix: redisPrefix });
    } else {
      const timers = new SqlTimerStore(store.sql, pgSchema);
      await timers.migrate();
      timerStore = timers;
    }
    runner = new CommandRunner(store.eventStore, new CommandMetrics(new ZanMetrics()), systemClock);
  });
  afterAll(async () => {
    await redis?.del(`${redisPrefix}api:timers`);
    await redis?.quit();
    await store?.eventStore.close();
    const pool = new Pool({ connectionString: testServers().databaseUrl, max: 1 });
    await pool.query(`DROP SCHEMA IF EXISTS "${pgSchema}" CASCADE`);
    await pool.end();
  });

  /** An escrowed packet expiring at `start` plus a second, with its timer. */
  const escrowedPacket = async (packets: RedPacketStreams, scheduler: ExpiryScheduler): Promise<string> => {
    const redPacketId = `rp-${randomUUID()}`;
    const data: RedPacketSent = {
      redPacketId,
      senderId: 'sender',
      amount: 300,
      shares: 3,
      mode: 'equal',
      expiresAt: new Date(start.getTime() + 1000).toISOString(),
    };
    const sent = {
      id: randomUUID(),
      type: 'RedPacketSent',
      streamId: 'wallet-sender',
      revision: 0,
      position: 1n,
      occurredAt: start.toISOString(),
      data,
      metadata: { correlationId: randomUUID(), causationId: randomUUID(), userId: 'sender' },
    } as StoredEvent<RedPacketSent>;
    await packets.escrow(sent);
    const [escrowed] = await store.eventStore.readStream(redPacketStream(redPacketId));
    await scheduler.schedule(escrowed as StoredEvent<RedPacketEscrowed>);
    return redPacketId;
  };
  const expiries = async (redPacketId: string) =>
    (await store.eventStore.readStream(redPacketStream(redPacketId))).filter((e) => e.type === 'RedPacketExpired').length;
  const timerOf = async (timers: TimerStore, redPacketId: string, at: Date) => (await timers.due(at, 10_000)).find((t) => t.id === `red-packet:${redPacketId}`);

  it('keeps the timer when the expiry cannot be stored, and expires the packet once later', async () => {
    const packets = new FailingPackets(runner);
    const scheduler = new ExpiryScheduler(timerStore, packets, clock, { tickMs: 1_000_000 }, store.eventStore);
    const redPacketId = await escrowedPacket(packets, scheduler);
    now = new Date(start.getTime() + 5_000);
    packets.failing.add(redPacketId);
    await scheduler.runDue();
    expect(await expiries(redPacketId)).toBe(0);
    // Kept, with the cause its expiry will carry.
    expect((await timerOf(timerStore, redPacketId, new Date(now.getTime() + RETRY_FAILED_AFTER_MS)))?.cause).toBeDefined();

    packets.failing.clear();
    now = new Date(now.getTime() + RETRY_FAILED_AFTER_MS);
    await scheduler.runDue();
    expect(await expiries(redPacketId)).toBe(1);
    expect(await timerOf(timerStore, redPacketId, new Date(now.getTime() + 86_400_000))).toBeUndefined();
  });

  it('keeps the timer when it cannot be removed after the expiry is stored, and never expires twice', async () => {
    const timers = new FailingCancels(timerStore);
    const packets = new RedPacketStreams(runner);
    const scheduler = new ExpiryScheduler(timers, packets, clock, { tickMs: 1_000_000 }, store.eventStore);
    const redPacketId = await escrowedPacket(packets, scheduler);
    now = new Date(start.getTime() + 5_000);
    timers.failCancels = 1;
    await scheduler.runDue();
    expect(await expiries(redPacketId)).toBe(1);
    expect(await timerOf(timerStore, redPacketId, new Date(now.getTime() + RETRY_FAILED_AFTER_MS))).toBeDefined();
    now = new Date(now.getTime() + RETRY_FAILED_AFTER_MS);
    await scheduler.runDue();
    expect(await expiries(redPacketId)).toBe(1);
    expect(await timerOf(timerStore, redPacketId, new Date(now.getTime() + 86_400_000))).toBeUndefined();
  });

  it('does not let packets that keep failing hold up the expiries due after them', async () => {
    const packets = new FailingPackets(runner);
    const scheduler = new ExpiryScheduler(timerStore, packets, clock, { tickMs: 1_000_000 }, store.eventStore);
    // More failing timers than one tick runs, all due before the healthy one.
    for (let i = 0; i < 120; i++) {
      const id = `poison-${i}-${randomUUID()}`;
      packets.failing.add(id);
      await timerStore.schedule(`red-packet:${id}`, new Date(start.getTime() + i), { correlationId: randomUUID(), causationId: randomUUID() });
    }
    const healthy = await escrowedPacket(packets, scheduler);
    now = new Date(start.getTime() + 5_000);
    for (let tick = 0; tick < 3; tick++) await scheduler.runDue();
    expect(await expiries(healthy)).toBe(1);
  });
});
