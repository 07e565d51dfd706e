import { spawn, type ChildProcess } from 'node:child_process';
import request from 'supertest';
import { EVENT_STORE, type EventStore } from '@zan/event-store';
import { RedisReadModelStore, rebuildFromEventStore } from '@zan/read-models';
import { eventually } from '../support/eventually';
import { runHttpWorkload } from '../support/http-workload';
import { captureReadModels, idsOf, readAllEvents, replayEvents, waitUntilProjected } from '../support/read-model-snapshot';
import { startFullStackInProcess } from '../support/stacks';

/**
 * A private Redis (no persistence) is killed and started empty while Zan runs: the read models are
 * lost. The projector says so (not ready, naming the loss: it went on applying new events over
 * nothing, so wallets answered 404 and the money totals counted from zero while every probe was
 * green); an operator rebuilds them from the event store; the projector is ready again, goes on, and
 * every read model equals a replay of the event store.
 */
describe('Redis restart with the read models lost', () => {
  const port = 16_379 + Math.floor(Math.random() * 500);
  const url = `redis://127.0.0.1:${port}`;
  let redis: ChildProcess | undefined;
  let zan: Awaited<ReturnType<typeof startFullStackInProcess>> | undefined;

  const startRedis = async () => {
    redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    const probe = new RedisReadModelStore({ redis: url, prefix: 'probe:' });
    for (let i = 0; ; i++) {
      try {
        await probe.watermark();
        break;
      } catch (error) {
        if (i > 100) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    await probe.close();
  };
  const killRedis = async () => {
    const dying = redis!;
    const exited = new Promise((resolve) => dying.once('exit', resolve));
    dying.kill('SIGKILL');
    await exited;
  };

  beforeAll(async () => {
    await startRedis();
    zan = await startFullStackInProcess('redisrestart', { env: { REDIS_URL: url } });
  }, 120_000);
  afterAll(async () => {
    await zan?.close().catch(() => undefined);
    if (redis && redis.exitCode === null) await killRedis();
  }, 60_000);

  it('rebuilds from the event store to exactly the replay, and keeps projecting', async () => {
    const store = zan!.app.get<EventStore>(EVENT_STORE);
    const live = new RedisReadModelStore({ redis: url, prefix: zan!.env.ZAN_REDIS_PREFIX! });
    try {
      const first = await runHttpWorkload(zan!.app, { seed: 5, prefix: 'rr1', users: 4, steps: 40 });
      await waitUntilProjected(store, live);
      const projectorReady = () => request(zan!.projector.getHttpServer()).get('/health/ready');
      expect((await projectorReady()).status).toBe(200);

      await killRedis();
      await startRedis(); // empty: every read model, dedupe record and watermark is gone
      expect(await live.wallet(first.users[0]!)).toBeUndefined();
      const lost = await projectorReady();
      expect(lost.status).toBe(503);
      expect(lost.body.error.projector.message).toMatch(/read models lost what they held: their watermark went back from \d+ to 0/);

      const rebuilt = await rebuildFromEventStore({ store: live, source: store, retireAfterMs: 100 });
      expect(rebuilt.events).toBeGreaterThan(40);
      // Ready again once the projector reads the new generation (its pointer is cached for a moment).
      await eventually('the projector ready after the rebuild', async () => (await projectorReady()).status === 200, 10_000);

      const second = await runHttpWorkload(zan!.app, { seed: 6, prefix: 'rr2', users: 3, steps: 30 });
      await waitUntilProjected(store, live, { timeoutMs: 60_000 });

      const events = await readAllEvents(store);
      const ids = idsOf(events);
      const replay = await replayEvents(events);
      expect(await captureReadModels(live, ids)).toEqual(await captureReadModels(replay, ids));
      expect(second.users.length).toBe(3);
    } finally {
      await live.close();
    }
  }, 180_000);
});
