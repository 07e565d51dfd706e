import type { INestApplication } from '@nestjs/common';
import { EVENT_STORE, type EventStore } from '@zan/event-store';
import { loadConfig } from '@zan/platform';
import { createZanApp } from '../../apps/zan/src/zan.app';
import { dropIsolated, fullStackEnv } from './stacks';

/**
 * Two api replicas on one PostgreSQL store, set up before a spec's tests and closed after them (Kafka
 * plays no part: commands and the credits work on the event store alone; no rate limit).
 */
export const twoApiReplicas = (name: string): { env: Record<string, string>; readonly a: INestApplication; readonly b: INestApplication } => {
  const { KAFKA_BROKERS: _kafka, ...stack } = fullStackEnv(name);
  const env: Record<string, string> = { ...stack, ZAN_RATE_LIMIT_PER_MINUTE: '0' };
  let a: INestApplication | undefined;
  let b: INestApplication | undefined;
  beforeAll(async () => {
    const config = loadConfig(env);
    const quiet = { logger: ['error', 'fatal'] as ('error' | 'fatal')[] };
    a = await createZanApp({ config, roles: ['api'], ...quiet });
    await a.init();
    b = await createZanApp({ config, roles: ['api'], ...quiet });
    await b.init();
  }, 120_000);
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await dropIsolated(env);
  }, 60_000);
  return {
    env,
    get a() {
      return a!;
    },
    get b() {
      return b!;
    },
  };
};

/**
 * Holds the app's first append to `streamId` until released: `reached` resolves when it is held.
 * `restore` puts the store's own append back.
 */
export const holdFirstAppend = (app: INestApplication, streamId: string): { store: EventStore; reached: Promise<void>; release(): void; restore(): void } => {
  const store = app.get<EventStore>(EVENT_STORE);
  const append = store.append.bind(store);
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let reach!: () => void;
  const reached = new Promise<void>((resolve) => (reach = resolve));
  let held = false;
  store.append = async (stream, events, expected, options) => {
    if (stream === streamId && !held) {
      held = true;
      reach();
      await released;
    }
    return append(stream, events, expected, options);
  };
  return { store, reached, release, restore: () => (store.append = append) };
};
