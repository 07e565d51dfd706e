import type { INestApplication } from '@nestjs/common';
import { EVENT_STORE, type EventStore } from '@zan/event-store';
import { loadConfig, seededRandom } from '@zan/platform';
import { RedisReadModelStore } from '@zan/read-models';
import { join } from 'node:path';
import { createZanApp } from '../../apps/zan/src/zan.app';
import { runHttpWorkload } from '../support/http-workload';
import { type SpawnedApp, spawnApp } from '../support/processes';
import { liveAndReplayed } from '../support/read-model-snapshot';
import { dropIsolated, fullStackEnv } from '../support/stacks';

jest.setTimeout(240_000);

/**
 * The projector, a real process, kills itself (SIGKILL: no shutdown, no offset commit) at seeded
 * points: just before it applies a delivery, or just after, before the offset is committed. Commands
 * keep coming meanwhile. After the last restart the read models equal a replay of the event store.
 * ZAN_TEST_SEED replays a failing run.
 */
describe('projector killed at seeded points', () => {
  const seed = Number(process.env.ZAN_TEST_SEED ?? 4242);
  // A crashed consumer holds its partitions until its session expires: 6 s, the broker's minimum.
  const env: Record<string, string> = { ...fullStackEnv('kill'), KAFKA_SESSION_TIMEOUT_MS: '6000' };
  const config = loadConfig(env);
  const quiet = { logger: ['error', 'fatal'] as ('error' | 'fatal')[] };
  let api: INestApplication;
  let relay: INestApplication;
  let projector: SpawnedApp | undefined;
  let store: RedisReadModelStore;

  beforeAll(async () => {
    api = await createZanApp({ config, roles: ['api'], random: seededRandom(seed), ...quiet });
    await api.init();
    relay = await createZanApp({ config, roles: ['relay'], ...quiet });
    await relay.init();
    store = new RedisReadModelStore({ redis: env.REDIS_URL, prefix: env.ZAN_REDIS_PREFIX, generationCacheMs: 0 });
  }, 60_000);

  afterAll(async () => {
    await projector?.kill();
    await relay?.close();
    await api?.close();
    await store?.close();
    // Its schema, keys and topics (a second deletion of topics being deleted was refused: unknown topic).
    await dropIsolated(env);
  }, 60_000);

  it('equals a fresh replay after every crash before apply and after apply before the commit', async () => {
    const draw = seededRandom(seed);
    const plan = (['before-apply', 'after-apply', 'after-apply', 'before-apply'] as const).map((point) => `${point}:${1 + Math.floor(draw() * 60)}`);
    // A backlog first, then commands all along the crashes.
    await runHttpWorkload(api, { seed, prefix: 'k1', users: 5, steps: 60 });
    const traffic = runHttpWorkload(api, { seed: seed + 1, prefix: 'k2', users: 4, steps: 60, concurrency: 2 });

    for (const crashAt of plan) {
      projector = spawnApp('projector', { ...env, ZAN_TEST_PROJECTOR_CRASH_AT: crashAt }, join(__dirname, '../support/crashing-projector.main.ts'));
      let timer: NodeJS.Timeout | undefined;
      const ended = await Promise.race([projector.exited, new Promise<'alive'>((resolve) => (timer = setTimeout(() => resolve('alive'), 60_000)))]);
      clearTimeout(timer);
      expect({ crashAt, ended }).toEqual({ crashAt, ended: { code: null, signal: 'SIGKILL' } });
      expect(projector.output()).toContain(`crash point ${crashAt} reached`);
    }
    await traffic;

    projector = spawnApp('projector', env);
    await projector.ready(/projecting as group/);
    const events: EventStore = api.get(EVENT_STORE);
    const { ids, live, replayed } = await liveAndReplayed(events, store, { feedLength: config.feedLength, timeoutMs: 60_000 });
    expect(ids.users.length).toBeGreaterThanOrEqual(9);
    expect(live).toEqual(replayed);
  });
});
