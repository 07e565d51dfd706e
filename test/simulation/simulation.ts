import type { INestApplication } from '@nestjs/common';
import { EVENT_CATEGORIES, streamCategory, type StoredEvent } from '@zan/contracts';
import { auditLedger } from '@zan/domain';
import { createPostgresEventStore } from '@zan/event-store';
import { RedisReadModelStore } from '@zan/read-models';
import { ManualClock, loadConfig, seededRandom } from '@zan/platform';
import { Kafka, logLevel } from 'kafkajs';
import { CreditsProcessManager } from '../../apps/api/src/process-managers/credits.process-manager';
import { ExpiryScheduler } from '../../apps/api/src/process-managers/expiry.scheduler';
import { createZanApp } from '../../apps/zan/src/zan.app';
import { ownCardOf, verificationBodyOf } from '../support/identity';
import { type Client, clientFor, publishArticle } from '../support/http-client';
import { captureReadModels, readAllEvents, replayEvents } from '../support/read-model-snapshot';
import { type AppProcess, startApp } from '../support/processes';
import { dropIsolated, fullStackEnv } from '../support/stacks';

/**
 * A seeded simulation in the spirit of TigerBeetle's VOPR: one seed draws a workload of every
 * command (fundings, withdrawals, transfers, tips, red packets, claims, expiries with a fake clock,
 * idempotent retries, concurrent bursts) and the faults (relay and projector SIGKILLed and
 * restarted). At the end it checks every invariant against the real PostgreSQL, Kafka and Redis.
 * The same seed draws the same workload; the interleaving of a concurrent burst may differ.
 */
export interface SimulationOptions {
  seed: number;
  steps: number;
  users: number;
  faults: boolean;
}

export interface SimulationReport {
  seed: number;
  requests: Record<string, number>;
  faults: string[];
  events: number;
  problems: string[];
}

const OK_REFUSALS = new Set([403, 404, 409, 410, 422]);

export const runSimulation = async (options: SimulationOptions): Promise<SimulationReport> => {
  const { seed } = options;
  const draw = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(draw() * items.length)]!;
  const between = (min: number, max: number) => min + Math.floor(draw() * (max - min + 1));
  const clock = new ManualClock(new Date('2026-02-01T00:00:00Z'));
  const env = fullStackEnv(`sim${seed}`);
  const report: SimulationReport = { seed, requests: {}, faults: [], events: 0, problems: [] };
  const problem = (text: string) => report.problems.push(text);

  const api: INestApplication = await createZanApp({
    config: loadConfig(env),
    roles: ['api'],
    clock,
    random: seededRandom(seed * 31 + 7),
    logger: ['fatal'],
  });
  await api.init();
  let relay: AppProcess | undefined = await startApp('relay', env, /relaying from position/);
  let projector: AppProcess | undefined = await startApp('projector', env, /projecting as group/);
  const restarts: Promise<void>[] = [];

  try {
    const names = Array.from({ length: options.users }, (_, i) => `sim${seed}-u${i}`);
    const users: Client[] = names.map((name) => clientFor(api, name));
    const sent: { id: string }[] = [];
    const answered: { client: Client; path: string; body: object; key: string; status: number; response: unknown }[] = [];

    const call = async (client: Client, path: string, body: object | undefined, key?: string) => {
      const idempotencyKey = key ?? `k-${between(0, 1e12)}`;
      const response = await client.post(path, body, idempotencyKey);
      report.requests[response.status] = (report.requests[response.status] ?? 0) + 1;
      if (response.status >= 500) problem(`${path} answered ${response.status}: ${JSON.stringify(response.body)}`);
      else if (response.status !== 201 && !OK_REFUSALS.has(response.status)) {
        problem(`${path} ${JSON.stringify(body)} answered ${response.status}: ${JSON.stringify(response.body)}`);
      }
      if (body !== undefined || path.endsWith('/claims')) {
        answered.push({ client, path, body: body ?? {}, key: idempotencyKey, status: response.status, response: response.body });
      }
      return response;
    };

    // Everyone a verified individual with a personal card but one verified business wallet (it cannot be
    // tipped) and one individual never verified (it cannot be tipped nor withdraw).
    for (const [i, client] of users.entries()) {
      const kind = i === 0 ? 'business' : 'individual';
      await call(client, '/v1/wallets', { kind }, `open-${i}`);
      if (i !== 1) {
        const verified = await client.post('/v1/wallets/me/verification', verificationBodyOf(client.userId, kind), null);
        if (verified.status !== 201 || verified.body.status !== 'verified')
          problem(`verification of ${client.userId} answered ${verified.status} ${JSON.stringify(verified.body)}`);
      }
      await call(client, '/v1/wallets/me/cards', ownCardOf(client.userId, `card-${i}`), `card-${i}`);
      await call(client, '/v1/wallets/me/fundings', { amount: between(1_000, 50_000), cardId: `card-${i}` });
      // Tips name a published article of their author (v1.1). Not through call: publishing again answers 200.
      for (let n = 1; n <= 5; n++) await publishArticle(api, names[i]!, `${names[i]}-a${n}`);
    }

    const operation = async (): Promise<void> => {
      const i = between(0, users.length - 1);
      const client = users[i]!;
      const other = names[between(0, names.length - 1)]!;
      const roll = draw();
      if (roll < 0.15) await call(client, '/v1/wallets/me/fundings', { amount: between(1, 20_000), cardId: `card-${i}` });
      else if (roll < 0.25) await call(client, '/v1/wallets/me/withdrawals', { amount: between(1, 15_000), cardId: `card-${i}` });
      else if (roll < 0.4) await call(client, '/v1/transfers', { toUserId: other, amount: between(1, 8_000) });
      else if (roll < 0.55) await call(client, '/v1/tips', { authorId: other, articleId: `${other}-a${between(1, 5)}`, amount: between(500, 3_000) });
      else if (roll < 0.67) {
        const shares = between(1, 6);
        const response = await call(client, '/v1/red-packets', { amount: between(shares, 6_000), shares, mode: draw() < 0.5 ? 'lucky' : 'equal' });
        if (response.status === 201) sent.push({ id: response.body.redPacketId });
      } else if (roll < 0.87 && sent.length > 0) await call(client, `/v1/red-packets/${pick(sent).id}/claims`, undefined);
      else if (roll < 0.93 && answered.length > 0) {
        // An idempotent retry: the same key and body must give the very same answer.
        const earlier = pick(answered);
        const again = await earlier.client.post(earlier.path, earlier.path.endsWith('/claims') ? undefined : earlier.body, earlier.key);
        if (again.status !== earlier.status || JSON.stringify(again.body) !== JSON.stringify(earlier.response)) {
          problem(
            `retry of ${earlier.path} with key ${earlier.key} answered ${again.status} ${JSON.stringify(again.body)}, first ${earlier.status} ${JSON.stringify(earlier.response)}`,
          );
        }
      } else {
        clock.advance(between(1, 30) * 60 * 60 * 1000);
        await api.get(ExpiryScheduler).runDue();
      }
    };

    for (let step = 0; step < options.steps; step++) {
      if (draw() < 0.15)
        await Promise.all(Array.from({ length: between(2, 8) }, operation)); // a concurrent burst
      else await operation();
      if (options.faults && draw() < 0.03) {
        const victim = draw() < 0.5 ? 'relay' : 'projector';
        report.faults.push(`step ${step}: SIGKILL ${victim}`);
        if (victim === 'relay' && relay) {
          const dead = relay;
          relay = undefined;
          await dead.kill('SIGKILL');
          restarts.push(startApp('relay', env, /relaying from position/).then((p) => void (relay = p)));
        } else if (victim === 'projector' && projector) {
          const dead = projector;
          projector = undefined;
          await dead.kill('SIGKILL');
          restarts.push(startApp('projector', env, /projecting as group/).then((p) => void (projector = p)));
        }
      }
    }
    await Promise.all(restarts);

    // Quiesce: expire everything still open, let the process managers and the projector finish.
    clock.advance(48 * 60 * 60 * 1000);
    const store = await createPostgresEventStore({ connectionString: env.ZAN_EVENT_STORE!, schema: env.ZAN_PG_SCHEMA! });
    const readModels = new RedisReadModelStore({ redis: env.REDIS_URL!, prefix: env.ZAN_REDIS_PREFIX! });
    try {
      // Quiet means: no money in flight, no packet holding money, every event credited and projected.
      // (The global head is not enough: other suites' open transactions can hold it back.)
      const credits = api.get(CreditsProcessManager);
      let events: StoredEvent[] = [];
      for (let round = 0; ; round++) {
        await api.get(ExpiryScheduler).runDue();
        events = await readAllEvents(store.eventStore);
        const last = events.length > 0 ? events[events.length - 1]!.position : 0n;
        const audit = auditLedger(events);
        const watermark = await readModels.watermark();
        if (audit.inFlight === 0 && audit.heldByPackets === 0 && credits.handledThrough >= last && watermark >= last && round > 0) break;
        if (round > 900) {
          problem(
            `not quiet after 90 s: in flight ${audit.inFlight}, held ${audit.heldByPackets}, credits at ${credits.handledThrough}, watermark ${watermark}, last ${last}`,
          );
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      report.events = events.length;

      // 1. Money: conservation, nothing negative, one credit per debit, nothing in flight when quiet.
      const audit = auditLedger(events);
      for (const text of audit.problems) problem(`ledger: ${text}`);
      if (audit.inFlight !== 0) problem(`ledger: ${audit.inFlight} fen still in flight when quiet`);
      if (audit.heldByPackets !== 0) problem(`ledger: ${audit.heldByPackets} fen still held by packets after every expiry`);

      // 2. Every read model equals a replay of the event store.
      const ids = { users: names, authors: names, packets: sent.map((p) => p.id) };
      const [liveViews, replayViews] = await Promise.all([
        captureReadModels(readModels, ids, { leaderboardLimit: 100 }),
        replayEvents(events).then((replay) => captureReadModels(replay, ids, { leaderboardLimit: 100 })),
      ]);
      const { watermark: _live, ...live } = liveViews;
      const { watermark: _replay, ...replayed } = replayViews;
      for (const key of Object.keys(live) as (keyof typeof live)[]) {
        if (JSON.stringify(live[key]) !== JSON.stringify(replayed[key])) {
          problem(`read model ${key}: live ${JSON.stringify(live[key])} != replay ${JSON.stringify(replayed[key])}`);
        }
      }

      // 3. Kafka delivered every event, each stream in order within its topic.
      await checkKafka(env, events, problem);
    } finally {
      await readModels.close();
      await store.eventStore.close();
      await store.sql.close();
    }
  } finally {
    await Promise.allSettled([relay?.kill(), projector?.kill()]);
    await api.close();
    await dropIsolated(env);
  }
  return report;
};

const checkKafka = async (env: Record<string, string>, events: StoredEvent[], problem: (text: string) => void) => {
  const kafka = new Kafka({ brokers: env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING });
  const topics = EVENT_CATEGORIES.map((category) => `${env.ZAN_TOPIC_PREFIX}.${category}`);
  const seen = new Map<string, number>(); // event id -> times delivered
  const lastRevision = new Map<string, number>(); // stream -> last new revision
  const consumer = kafka.consumer({ groupId: `${env.ZAN_TOPIC_PREFIX}.audit.${Date.now()}` });
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  const expected = new Set(events.map((e) => e.id));
  let unseen = expected.size;
  let done: () => void;
  const allSeen = new Promise<void>((resolve) => (done = resolve));
  await consumer.run({
    eachMessage: async ({ topic, message }) => {
      const header = (name: string) => message.headers?.[name]?.toString();
      const id = header('ce_id')!;
      const stream = header('ce_subject')!;
      const revision = Number(header('ce_sequence'));
      const count = (seen.get(id) ?? 0) + 1;
      seen.set(id, count);
      if (count === 1 && expected.has(id)) unseen--;
      if (count === 1) {
        // A subscriber's view: each stream whole on its category's topic, revisions contiguous from 0.
        const last = lastRevision.get(stream) ?? -1;
        if (revision !== last + 1) problem(`kafka: ${stream} revision ${revision} after ${last} on ${topic}`);
        if (topic !== `${env.ZAN_TOPIC_PREFIX}.${streamCategory(stream)}`) problem(`kafka: ${stream} revision ${revision} on ${topic}`);
        lastRevision.set(stream, revision);
      }
      if (unseen === 0) done();
    },
  });
  await Promise.race([allSeen, new Promise((resolve) => setTimeout(resolve, 30_000))]);
  await consumer.disconnect();
  const missing = events.filter((e) => !seen.has(e.id));
  if (missing.length > 0) problem(`kafka: ${missing.length} stored events never published, first ${missing[0]!.type} ${missing[0]!.id}`);
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.disconnect();
};
