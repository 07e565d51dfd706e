/**
 * Scale-out in a simulation (issue 8, docs/scaling.md): the tip storm's load and seed data against
 *  (a) 1 api + 1 relay + 1 projector, as deployed today;
 *  (b) 2 api processes, requests spread over both at random (a round-robin load balancer: one reader's
 *      tips reach both, so their wallet streams see writes from two processes), 1 relay, 2 projectors
 *      in one consumer group;
 *  (c) the same processes, requests routed by reader (a load balancer sticky by user: each reader's
 *      wallet stream has one writer, and that process's state cache stays warm);
 *  (d) as (c) with a second relay: the relays elect a leader (libs/platform leader election), so one
 *      publishes and the other stands by; every event reaches Kafka exactly once.
 * Same seed data, same duration, same total connections (split evenly over the apis), KAFKA_PARTITIONS=4.
 * On a 2-core machine extra processes cannot add throughput: what this shows is that the design stays
 * correct with several writers and consumers (money conserved, every tip credited exactly once, both
 * projectors doing work, one relay and one credits process manager leading) and where the cost of a
 * second writer goes (conflicts when one reader's requests reach both apis).
 * Lag: the read models' watermark is polled during the run; each event of the window then gets
 * (first poll covering its position) - occurredAt, like the projection scenario but without a sampler.
 */
import { Kafka, logLevel, AssignerProtocol } from 'kafkajs';
import { EVENT_CATEGORIES } from '@zan/contracts';
import { topicName } from '@zan/messaging';
import { startApp, type AppProcess } from '../../test/support/processes';
import { describeStatuses, type LoadResult } from '../lib/load';
import { cpuMeter, describeCpu, runAlone, sleep, startStack, wallClock, type Stack } from '../lib/stack';
import { serversOf } from '../lib/servers';
import { perSecond, roundMs, scaledMs, spread } from '../lib/stats';
import type { BenchContext, Figure, Scenario, ScenarioResult } from '../lib/types';
import { tipMoneyChecks, tipStorm, tipWorkload, type TipTally, type TipWorkload } from './tip-storm';

/** The tip storm's total connections, split evenly over the apis of a phase. */
const CONNECTIONS = 50;
/** At least as many partitions per topic as projectors, or one of them idles. */
const PARTITIONS = 4;

interface Phase {
  key: string;
  name: string;
  apis: number;
  projectors: number;
  relays: number;
  routing: 'random' | 'by-reader';
}

const PHASES: Phase[] = [
  { key: 'one', name: '1 api + 1 projector', apis: 1, projectors: 1, relays: 1, routing: 'random' },
  { key: 'two_random', name: '2 apis (requests at random) + 2 projectors', apis: 2, projectors: 2, relays: 1, routing: 'random' },
  { key: 'two_sticky', name: '2 apis (requests routed by reader) + 2 projectors', apis: 2, projectors: 2, relays: 1, routing: 'by-reader' },
  // A standby relay: leader election keeps it from publishing while the first one leads.
  { key: 'two_relays', name: '2 apis (by reader) + 2 projectors + 2 relays', apis: 2, projectors: 2, relays: 2, routing: 'by-reader' },
];

type Series = Map<string, number>;

/** A /metrics page as series (name with labels) -> value. */
const scrape = async (url: string): Promise<Series> => {
  const series: Series = new Map();
  const text = await (await fetch(`${url}/metrics`)).text();
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+(?:\{[^}]*\})?) ([-0-9.e+]+|NaN)$/i.exec(line);
    if (match) series.set(match[1]!, Number(match[2]));
  }
  return series;
};

/** Sum of a metric's series whose labels contain every `labels` fragment (e.g. `outcome="conflict"`). */
const sumOf = (series: Series, metric: string, ...labels: string[]): number => {
  let total = 0;
  for (const [key, value] of series) if ((key === metric || key.startsWith(`${metric}{`)) && labels.every((l) => key.includes(l))) total += value;
  return total;
};

/** The read models' watermark as the bench saw it move: (time, mark) pairs, non-decreasing. */
const watermarkHistory = (read: () => Promise<bigint>) => {
  const at: number[] = [];
  const marks: bigint[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const mark = await read();
      if (marks.length === 0 || mark > marks[marks.length - 1]!) {
        marks.push(mark);
        at.push(wallClock());
      }
      await sleep(2); // precise to a few ms, without a busy loop on two cores
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
    },
    /** When the watermark first covered `position`, undefined if it never did. */
    visibleAt(position: bigint): number | undefined {
      let low = 0;
      let high = marks.length;
      while (low < high) {
        const mid = (low + high) >> 1;
        if (marks[mid]! >= position) high = mid;
        else low = mid + 1;
      }
      return low < marks.length ? at[low] : undefined;
    },
  };
};

/**
 * From the broker: partitions assigned to each member of the projectors' group, and messages on the
 * event topics (their high watermarks: the topics are the phase's own, created empty).
 */
const kafkaView = async (brokers: string[], topicPrefix: string): Promise<{ partitions: number[]; messages: number }> => {
  const admin = new Kafka({ clientId: 'bench-scale-out', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([`${topicPrefix}.projector`]);
    const partitions = (groups[0]?.members ?? []).map((member) => {
      const assignment = AssignerProtocol.MemberAssignment.decode(member.memberAssignment);
      return Object.values(assignment?.assignment ?? {}).reduce((sum, list) => sum + list.length, 0);
    });
    let messages = 0;
    for (const category of EVENT_CATEGORIES) {
      for (const { high } of await admin.fetchTopicOffsets(topicName(topicPrefix, category))) messages += Number(high);
    }
    return { partitions, messages };
  } finally {
    await admin.disconnect();
  }
};

/** Joins the load results of the apis of one phase, measured over the same window. */
const joined = (loads: LoadResult[]): LoadResult => ({
  elapsedMs: Math.max(...loads.map((l) => l.elapsedMs)),
  byStatus: loads.reduce<Record<number, number>>((all, l) => {
    for (const [status, count] of Object.entries(l.byStatus)) all[Number(status)] = (all[Number(status)] ?? 0) + count;
    return all;
  }, {}),
  ok: loads.reduce((n, l) => n + l.ok, 0),
  non2xx: loads.reduce((n, l) => n + l.non2xx, 0),
  timeouts: loads.reduce((n, l) => n + l.timeouts, 0),
  errors: loads.reduce((n, l) => n + l.errors, 0),
  latencies: loads.flatMap((l) => l.latencies),
  allLatencies: loads.flatMap((l) => l.allLatencies),
});

interface PhaseOutcome {
  tipsPerS: number;
  p50: number;
  p99: number;
  lagP99?: number;
}

const runPhase = async (
  context: BenchContext,
  phase: Phase,
  workload: TipWorkload,
  timing: { warmupMs: number; measuredMs: number },
  out: Pick<ScenarioResult, 'figures' | 'checks' | 'notes'>,
): Promise<PhaseOutcome | undefined> => {
  const { log } = context;
  const { kafkaBrokers } = serversOf(context);
  const tag = `[${phase.name}]`;
  log(`scale-out: ${phase.name}: seeding ${workload.wallets.length} wallets, starting the stack`);
  const stack: Stack & { funded: number } = await startStack(context, `so${phase.key.replace(/_/g, '')}`, {
    wallets: workload.wallets,
    env: { KAFKA_PARTITIONS: String(PARTITIONS) },
  });
  const extra: AppProcess[] = [];
  try {
    // The stack brings one of each; the others join it on the same schema, topics and key prefix.
    const started = await Promise.all([
      ...Array.from({ length: phase.apis - 1 }, () => startApp('api', stack.env, /listening on http:\/\/127\.0\.0\.1:\d+/, 90_000)),
      ...Array.from({ length: phase.projectors - 1 }, () => startApp('projector', stack.env, /health and metrics on http:\/\/127\.0\.0\.1:\d+/, 90_000)),
      ...Array.from({ length: phase.relays - 1 }, () => startApp('relay', stack.env, /health and metrics on http:\/\/127\.0\.0\.1:\d+/, 90_000)),
    ]);
    extra.push(...started);
    const apis = [stack.api, ...started.filter((app) => app.name === 'api')];
    const projectors = [stack.projector!, ...started.filter((app) => app.name === 'projector')];
    const portOf = (app: AppProcess, pattern: RegExp) => `http://127.0.0.1:${pattern.exec(app.output())![1]}`;
    const apiUrls = apis.map((app) => portOf(app, /listening on http:\/\/127\.0\.0\.1:(\d+)/));
    const projectorUrls = projectors.map((app) => portOf(app, /health and metrics on http:\/\/127\.0\.0\.1:(\d+)/));

    // Each api gets its share of the connections; routed by reader, each its own readers.
    const shares = apiUrls.map((url, i): { url: string; workload: TipWorkload } => ({
      url,
      workload: phase.routing === 'by-reader' ? { ...workload, readers: workload.readers.filter((_, r) => r % apiUrls.length === i) } : workload,
    }));
    const connections = Math.floor(CONNECTIONS / apiUrls.length);
    const tally: TipTally = { count: 0, amount: 0, refused: 0, refusals: [] };
    const storm = (durationMs: number) =>
      Promise.all(shares.map((share) => tipStorm(share.url, share.workload, { durationMs }, tally, connections))).then(joined);

    log(`scale-out: ${phase.name}: warm-up ${timing.warmupMs} ms, then ${timing.measuredMs} ms measured, ${connections} connections per api`);
    const warmup = await storm(timing.warmupMs);
    // A rebalance after a late joiner would pause the projectors inside the window: wait for the group to settle.
    await stack.quiet(120_000);
    const metricsBefore = await Promise.all(apiUrls.map(scrape));
    const projectorsBefore = await Promise.all(projectorUrls.map(scrape));
    const headBefore = (await stack.events.eventStore.headPosition()) ?? 0n;
    const history = watermarkHistory(() => stack.readModels.watermark());
    const relays = [stack.relay, ...started.filter((app) => app.name === 'relay')];
    const named: Record<string, number> = {};
    relays.forEach((app, i) => (named[`relay${i + 1}`] = app.child.pid!));
    apis.forEach((app, i) => (named[`api${i + 1}`] = app.child.pid!));
    projectors.forEach((app, i) => (named[`projector${i + 1}`] = app.child.pid!));
    const cpu = cpuMeter(named);
    const windowStart = wallClock();
    const load = await storm(timing.measuredMs);
    const windowEnd = wallClock();
    const usage = cpu.stop();
    const loadEnded = performance.now();

    const latency = spread(load.latencies);
    const outcome: PhaseOutcome = { tipsPerS: perSecond(load.ok, load.elapsedMs), p50: roundMs(latency.p50), p99: roundMs(latency.p99) };
    log(`scale-out: ${phase.name}: ${outcome.tipsPerS} tips/s, p50 ${outcome.p50} ms, p99 ${outcome.p99} ms; ${describeStatuses(load.byStatus)}`);
    out.notes.push(
      `${tag} ${outcome.tipsPerS} tips/s, p50 ${outcome.p50} ms, p99 ${outcome.p99} ms, p99.9 ${roundMs(latency.p999)} ms; answers ${describeStatuses(load.byStatus)}, ${load.timeouts} timeouts, ${load.errors} connection errors`,
    );
    out.notes.push(`${tag} ${describeCpu(usage)}`);

    out.checks.push({
      label: `${tag} no tip refused or failed`,
      ok: tally.refused + load.errors + warmup.errors === 0,
      detail: `${tally.refused} non-2xx${tally.refusals.length ? ` (${tally.refusals.join(' | ')})` : ''}, ${load.errors + warmup.errors} connection errors, ${load.timeouts + warmup.timeouts} timeouts`,
    });

    log(`scale-out: ${phase.name}: waiting for the credits, the relay and the projectors to catch up`);
    const quiet = await stack.quiet(Math.max(180_000, tally.count * 5)).then(
      () => true,
      (error: Error) => {
        out.checks.push({ label: `${tag} the system went quiet after the load`, ok: false, detail: error.message });
        return false;
      },
    );
    await history.stop();
    if (!quiet) return outcome;
    out.notes.push(`${tag} after the load, credits, relay and projectors caught up in ${((performance.now() - loadEnded) / 1000).toFixed(1)} s`);

    // Lag of every event appended in the window (tips and their credits).
    const lags: number[] = [];
    let invisible = 0;
    let tipsSince = 0;
    for (let after = headBefore; ;) {
      const page = await stack.events.eventStore.readAll({ after, maxCount: 5_000 });
      for (const event of page) {
        if (event.type === 'TipPraised') tipsSince++;
        const occurredAt = Date.parse(event.occurredAt);
        if (occurredAt < windowStart || occurredAt > windowEnd) continue;
        const visible = history.visibleAt(event.position);
        if (visible === undefined) invisible++;
        else lags.push(Math.max(0, visible - occurredAt));
      }
      if (page.length < 5_000) break;
      after = page[page.length - 1]!.position;
    }
    const lag = spread(lags);
    // What a second writer costs, from the window's start until its credits are done: appends refused
    // for a stale revision, credits already made by the other api.
    const metricsAfter = await Promise.all(apiUrls.map(scrape));
    const delta = (metric: string, ...labels: string[]) =>
      metricsAfter.reduce((n, after, i) => n + sumOf(after, metric, ...labels) - sumOf(metricsBefore[i]!, metric, ...labels), 0);
    const conflicts = delta('zan_event_store_append_duration_seconds_count', 'outcome="conflict"');
    const duplicates = delta('zan_event_store_append_duration_seconds_count', 'outcome="duplicate"');
    const appends = delta('zan_event_store_append_duration_seconds_count');
    const creditsReplayed = delta('zan_commands_total', 'command="CreditWallet"', 'outcome="replayed"');
    out.notes.push(
      `${tag} from the window's start to quiet, over all apis: ${appends} appends, of which ${conflicts} refused as conflicts (another process ` +
        `wrote the stream first) and ${duplicates} as duplicates; ${creditsReplayed} credits found already made, for ${tipsSince} tips stored ` +
        `(the credits process manager runs on the elected api only)`,
    );

    outcome.lagP99 = roundMs(lag.p99);
    out.notes.push(
      `${tag} append -> visible in the read models over ${lags.length} events of the window: p50 ${roundMs(lag.p50)} ms, p99 ${roundMs(lag.p99)} ms, max ${roundMs(lag.max)} ms`,
    );
    out.checks.push({
      label: `${tag} every event of the window became visible`,
      ok: invisible === 0 && lags.length > 0,
      detail: `${lags.length} events with a lag, ${invisible} never covered`,
    });

    // Money and exactly-once.
    // Requests cut off when a window ends may still have been stored: at most one per connection, per run.
    const inFlight = 2 * Math.floor(CONNECTIONS / apiUrls.length) * apiUrls.length + load.timeouts + warmup.timeouts;
    await tipMoneyChecks(out.checks, stack, workload, tally, inFlight, tag);

    // Both projectors did work: partitions assigned by the broker, events applied by each process
    // from the start of the measured window until the system was quiet.
    const projectorsAfter = await Promise.all(projectorUrls.map(scrape));
    const counted = (metric: string) => projectorsAfter.map((after, i) => sumOf(after, metric) - sumOf(projectorsBefore[i]!, metric));
    const applied = counted('zan_projector_events_applied_total');
    const skipped = counted('zan_projector_events_skipped_total');
    const kafka = await kafkaView(kafkaBrokers, stack.env.ZAN_TOPIC_PREFIX!);
    const stored = Number((await stack.events.sql.query<{ n: string }>(`SELECT count(*)::text AS n FROM "${stack.events.schema}".events`)).rows[0]!.n);
    out.notes.push(
      `${tag} from the window to quiet: ${applied.map((n, i) => `projector${i + 1} applied ${n} events and skipped ${skipped[i]} duplicates`).join(', ')}; ` +
        `group members' partitions: ${kafka.partitions.join(' + ')} of ${EVENT_CATEGORIES.length * PARTITIONS}; ` +
        `Kafka holds ${kafka.messages} messages for ${stored} events stored`,
    );
    if (phase.projectors > 1) {
      out.checks.push({
        label: `${tag} every projector got partitions and applied events`,
        ok: kafka.partitions.length === phase.projectors && kafka.partitions.every((n) => n > 0) && applied.every((n) => n > 0),
        detail: `${kafka.partitions.length} members with ${kafka.partitions.join(', ')} partitions; applied ${applied.join(', ')} in the window`,
      });
    }
    if (phase.relays > 1) {
      // One relay leads, the other stands by: nothing is published twice, so nothing is skipped.
      out.checks.push({
        label: `${tag} one relay leads: every event on Kafka exactly once, no copy for the projectors to skip`,
        ok: kafka.messages === stored && skipped.reduce((a, b) => a + b, 0) === 0,
        detail: `${kafka.messages} messages for ${stored} events; ${skipped.reduce((a, b) => a + b, 0)} duplicates skipped`,
      });
    }
    return outcome;
  } finally {
    await Promise.allSettled(extra.map((app) => app.kill('SIGTERM')));
    await stack.close();
  }
};

export const run: Scenario = async (context: BenchContext): Promise<ScenarioResult> => {
  const { scale } = context;
  const workload = tipWorkload(scale);
  const timing = { warmupMs: scaledMs(5_000, scale, 1_000), measuredMs: scaledMs(30_000, scale, 3_000) };
  const result: ScenarioResult = {
    id: 'scale-out',
    title: 'Scale-out: 1 api + 1 projector against 2 apis + 2 projectors',
    setup:
      `The tip storm (${workload.readers.length} funded readers tipping ${workload.authors.length} authors over HTTP, ${CONNECTIONS} connections in all, ` +
      `${timing.warmupMs / 1000} s warm-up, ${timing.measuredMs / 1000} s measured) against three deployments on the same machine, each on a fresh schema, ` +
      `topic prefix and key prefix with the same seed data: ${PHASES.map((p) => p.name).join('; ')}. One relay except in the last; topics of ${PARTITIONS} partitions; ` +
      'with two apis each gets half the connections (autocannon against each URL at once).',
    figures: [],
    baselines: [],
    checks: [],
    notes: [],
  };
  const outcomes = new Map<string, PhaseOutcome>();
  for (const phase of PHASES) {
    const outcome = await runPhase(context, phase, workload, timing, result);
    if (!outcome) continue;
    outcomes.set(phase.key, outcome);
    const figures: Figure[] = [
      { key: `${phase.key}_tips_per_s`, label: `${phase.name}: tips/s through HTTP`, value: outcome.tipsPerS, unit: 'ops/s', better: 'higher' },
      { key: `${phase.key}_tip_p99_ms`, label: `${phase.name}: tip latency p99`, value: outcome.p99, unit: 'ms', better: 'lower' },
    ];
    if (outcome.lagP99 !== undefined) {
      figures.push({ key: `${phase.key}_lag_p99_ms`, label: `${phase.name}: append -> visible p99`, value: outcome.lagP99, unit: 'ms', better: 'lower' });
    }
    result.figures.push(...figures);
  }
  const one = outcomes.get('one');
  if (one && one.tipsPerS > 0) {
    for (const phase of PHASES.slice(1)) {
      const other = outcomes.get(phase.key);
      if (other) result.notes.push(`${phase.name} / 1 api + 1 projector throughput: ${(other.tipsPerS / one.tipsPerS).toFixed(2)}`);
    }
  }
  result.notes.push(
    'On a 2-core machine every extra process competes for the same cores as PostgreSQL, Redis and Kafka: the figures show the cost ' +
      'of coordination, not the gain of more machines. See docs/scaling.md.',
  );
  const latency = outcomes.get('two_sticky') ?? outcomes.get('one');
  if (latency) result.latency = { label: `tip over HTTP (${outcomes.has('two_sticky') ? '2 apis, by reader' : '1 api'})`, p50: latency.p50, p99: latency.p99 };
  return result;
};

runAlone(module, run);
