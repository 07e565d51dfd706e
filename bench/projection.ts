/**
 * Projection figures: how fast the projector applies events to Redis, and how long an event takes from
 * its append to being visible in a query under a steady load. `npm run bench:projection`; needs
 * PostgreSQL, Redis and Kafka as the tests do (127.0.0.1:5432/test, :6379, :9092). Writes only under
 * prefixes of its own and removes them at the end. Bounded: about a minute and a half.
 *
 * BENCH_EVENTS (20000), BENCH_RATE (commands/s, 20), BENCH_SECONDS (20) tune it.
 */
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { KafkaEventBus, type OutgoingEvent } from '@zan/messaging';
import { loadConfig } from '@zan/platform';
import { RedisReadModelStore } from '@zan/read-models';
import { Kafka, logLevel } from 'kafkajs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { ProjectorService } from '../apps/projector/src/projector.service';
import { createZanApp } from '../apps/zan/src/zan.app';
import { Workload, seededRandom } from '../libs/read-models/src/testing/workload';
import { ownCardOf } from '../test/support/identity';
import { isolation, testServers } from '../test/support/isolation';
import { type SpawnedApp, spawnApp } from '../test/support/processes';
import { dropIsolated, fullStackEnv } from '../test/support/stacks';
import { tokenFor, TEST_JWT_SECRET } from '../test/support/tokens';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 20_000);
const RATE = Number(process.env.BENCH_RATE ?? 20);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const servers = testServers();
const kafka = new Kafka({ clientId: 'bench', brokers: servers.kafkaBrokers, logLevel: logLevel.NOTHING });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Milliseconds since the epoch with sub-millisecond resolution, comparable with an event's occurredAt. */
const wallClock = () => performance.timeOrigin + performance.now();

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const ms = (n: number) => `${n.toFixed(1)} ms`;

/** A realistic mix: wallets opened and funded, tips, transfers, red packets and their claims. */
const history = (size: number): Workload => {
  const draw = seededRandom(7);
  const w = new Workload();
  const users = Array.from({ length: 500 }, (_, i) => `b${i}`);
  users.forEach((u) => w.open(u));
  const open: string[] = [];
  for (let i = 0; w.events.length < size; i++) {
    const a = users[Math.floor(draw() * users.length)]!;
    const b = users[Math.floor(draw() * users.length)]!;
    const pick = draw();
    if (pick < 0.3) w.fund(a, 1 + Math.floor(draw() * 10_000));
    else if (pick < 0.55 && a !== b) w.tip(a, b, `art-${i % 50}`, 500 + (i % 1000));
    else if (pick < 0.75 && a !== b) w.transfer(a, b, 1 + (i % 500));
    else if (pick < 0.85) {
      w.sendRedPacket(a, `rp-${i}`, 500, 5);
      open.push(`rp-${i}`);
    } else if (open.length > 0) {
      const packet = open[Math.floor(draw() * open.length)]!;
      if (w.canClaim(packet)) w.claim(packet, b, 50);
      else open.splice(open.indexOf(packet), 1);
    }
  }
  return w;
};

/** Projection throughput: events/s from Kafka to Redis, per event and in runs, and Redis alone. */
const throughput = async (): Promise<string[]> => {
  const iso = isolation('benchtp');
  const bus = new KafkaEventBus({ brokers: servers.kafkaBrokers, clientId: 'bench', topicPrefix: iso.topicPrefix, partitions: 3, maxWaitTimeMs: 100 });
  const lines: string[] = [];
  try {
    const deliveries = history(EVENTS).deliveries();
    const last = deliveries[deliveries.length - 1]!.event.position;
    const publisher = bus.publisher();
    for (let i = 0; i < deliveries.length; i += 1000) {
      await publisher.publish(deliveries.slice(i, i + 1000).map(({ event, prevPosition }): OutgoingEvent => ({ event, prevPosition })));
    }
    await publisher.close();

    for (const [label, maxBatchSize] of [
      ['one event per Redis call', 1],
      ['runs of up to 500 (applyMany)', 500],
    ] as const) {
      const store = new RedisReadModelStore({ redis: servers.redisUrl, prefix: `${iso.redisPrefix}${maxBatchSize}:` });
      const projector = new ProjectorService(bus, store, { groupId: `${iso.id}.${maxBatchSize}`, maxBatchSize });
      await projector.start();
      // From the first event applied (the group has joined) to the last.
      let first: number | undefined;
      for (;;) {
        const { applied, watermark } = await store.status();
        if (applied > 0) first ??= performance.now();
        if (watermark === last) break;
        await sleep(2);
      }
      const seconds = (performance.now() - first!) / 1000;
      await projector.stop();
      lines.push(`Kafka -> Redis, ${label}: ${Math.round(deliveries.length / seconds)} events/s (${deliveries.length} events in ${seconds.toFixed(2)} s)`);
      await store.clear();
      await store.close();
    }

    const store = new RedisReadModelStore({ redis: servers.redisUrl, prefix: `${iso.redisPrefix}direct:` });
    let started = performance.now();
    for (let i = 0; i < deliveries.length; i += 500) await store.applyMany(deliveries.slice(i, i + 500));
    lines.push(`Redis alone, applyMany of 500: ${Math.round(deliveries.length / ((performance.now() - started) / 1000))} events/s`);
    await store.clear();
    const single = deliveries.slice(0, 5000);
    started = performance.now();
    for (const delivery of single) await store.apply(delivery);
    lines.push(`Redis alone, apply one by one: ${Math.round(single.length / ((performance.now() - started) / 1000))} events/s`);
    await store.clear();
    await store.close();
  } finally {
    await bus.close();
    await deleteTopics(iso.topicPrefix);
  }
  return lines;
};

/**
 * End-to-end lag under a steady load: fundings over HTTP at a fixed rate (open loop) against the api
 * (this process), the relay and the projector (one process each). Lag = from the event's time (its
 * occurredAt, stamped just before the append) to the first moment the read models' watermark, what
 * `?after=` waits on, covers its position; split where a plain Kafka consumer first reads it.
 */
const lag = async (): Promise<string[]> => {
  const env: Record<string, string> = { ...fullStackEnv('benchlag'), ZAN_RATE_LIMIT_PER_MINUTE: '0' };
  const api = await createZanApp({ config: loadConfig(env), roles: ['api'], logger: ['error', 'fatal'] });
  await api.listen(0, '127.0.0.1');
  const base = await api.getUrl();
  const others: SpawnedApp[] = [spawnApp('relay', env), spawnApp('projector', env)];
  const store = new RedisReadModelStore({ redis: env.REDIS_URL!, prefix: env.ZAN_REDIS_PREFIX });
  try {
    await Promise.all(others.map((app) => app.ready(/health and metrics on http:/)));
    const users = Array.from({ length: 40 }, (_, i) => `lag${i}`);
    const auth = new Map(users.map((u) => [u, `Bearer ${tokenFor(u, TEST_JWT_SECRET)}`]));
    let keys = 0;
    const post = async (user: string, path: string, body: object) => {
      const response = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: { authorization: auth.get(user)!, 'content-type': 'application/json', 'idempotency-key': `bench-${++keys}` },
        body: JSON.stringify(body),
      });
      const json = (await response.json()) as { position?: string };
      if (response.status !== 201) throw new Error(`${path}: ${response.status} ${JSON.stringify(json)}`);
      return json;
    };
    for (const user of users) {
      await post(user, '/v1/wallets', { kind: 'individual' });
      await post(user, '/v1/wallets/me/cards', ownCardOf(user));
    }

    // When each position reaches Kafka, seen by a plain consumer: splits the lag into relay and projector.
    const onKafka = new Map<string, number>();
    const spy = kafka.consumer({ groupId: `${env.ZAN_TOPIC_PREFIX}.bench-spy`, maxWaitTimeInMs: 100 });
    await spy.connect();
    await spy.subscribe({ topics: ['wallet', 'tip', 'red-packet'].map((c) => `${env.ZAN_TOPIC_PREFIX}.${c}`), fromBeginning: true });
    const occurredAt = new Map<string, number>();
    await spy.run({
      eachMessage: async ({ message }) => {
        const position = String(message.headers?.zan_position);
        onKafka.set(position, wallClock());
        occurredAt.set(position, Date.parse(String(message.headers?.ce_time)));
      },
    });

    // The watcher: one query after another; each answer settles every position it covers.
    const waiting = new Set<{ position: bigint; settle: () => void }>();
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const mark = await store.watermark();
        for (const entry of waiting) {
          if (entry.position <= mark) {
            waiting.delete(entry);
            entry.settle();
          }
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    const visible = (position: bigint) => new Promise<number>((resolve) => waiting.add({ position, settle: () => resolve(wallClock()) }));

    interface Sample {
      position: string;
      sentAt: number;
      answeredAt: number;
      visibleAt: number;
    }
    const run = async (seconds: number) => {
      const samples: Promise<Sample>[] = [];
      const start = performance.now();
      for (let i = 0; ; i++) {
        const due = start + (i * 1000) / RATE;
        if (due - start >= seconds * 1000) break;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
        const user = users[i % users.length]!;
        samples.push(
          (async () => {
            const sentAt = wallClock();
            const { position } = await post(user, '/v1/wallets/me/fundings', { amount: 100, cardId: `card-${user}` });
            const answeredAt = wallClock();
            return { position: position!, sentAt, answeredAt, visibleAt: await visible(BigInt(position!)) };
          })(),
        );
      }
      return { samples: await Promise.all(samples), seconds: (performance.now() - start) / 1000 };
    };

    await run(3); // warm-up
    const { samples, seconds } = await run(SECONDS);
    watching = false;
    await watcher;
    await spy.disconnect();
    const spread = (values: number[]) => {
      const sorted = [...values].sort((a, b) => a - b);
      return `p50 ${ms(percentile(sorted, 50))}, p99 ${ms(percentile(sorted, 99))}, max ${ms(sorted[sorted.length - 1]!)}`;
    };
    const seen = samples.filter((s) => onKafka.has(s.position) && occurredAt.has(s.position));
    const at = (s: Sample) => occurredAt.get(s.position)!;
    return [
      `load: ${samples.length} fundings over HTTP in ${seconds.toFixed(1)} s (${(samples.length / seconds).toFixed(0)}/s, offered at ${RATE}/s), 40 users`,
      `append -> visible (event time -> the watermark covers it): ${spread(seen.map((s) => s.visibleAt - at(s)))}`,
      `  relay (event time -> read from Kafka): ${spread(seen.map((s) => onKafka.get(s.position)! - at(s)))}`,
      `  projector (read from Kafka -> visible): ${spread(seen.map((s) => s.visibleAt - onKafka.get(s.position)!))}`,
      `command answer time, for scale: ${spread(samples.map((s) => s.answeredAt - s.sentAt))}; answer -> visible: ${spread(samples.map((s) => s.visibleAt - s.answeredAt))}`,
    ];
  } finally {
    await Promise.all(others.map((p) => p.kill('SIGTERM')));
    await store.close();
    await api.close();
    await dropIsolated(env);
    await deleteTopics(env.ZAN_TOPIC_PREFIX);
  }
};

const deleteTopics = async (prefix: string): Promise<void> => {
  const admin = kafka.admin();
  await admin.connect();
  const topics = (await admin.listTopics()).filter((t) => t.startsWith(`${prefix}.`));
  if (topics.length > 0) await admin.deleteTopics({ topics });
  await admin.disconnect();
};

const main = async () => {
  Logger.overrideLogger(['error', 'fatal']);
  const started = Date.now();
  console.log(
    `projection bench: ${availableParallelism()} cores (${cpus()[0]?.model ?? '?'}), Node ${process.version}, load average ${loadavg()[0]!.toFixed(1)}`,
  );
  for (const line of await throughput()) console.log(`  ${line}`);
  for (const line of await lag()) console.log(`  ${line}`);
  console.log(
    `done in ${((Date.now() - started) / 1000).toFixed(0)} s; load average ${loadavg()
      .map((n) => n.toFixed(1))
      .join(' ')}`,
  );
};

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
