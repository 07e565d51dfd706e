/**
 * Scenario 3, projection, on the full stack as processes:
 *  - lag: while the tip storm's load runs, how long from an event's append to its being visible in the
 *    read models: from the event's time (occurredAt, stamped as the command is decided, just before
 *    the append) to the first moment the read models' watermark (what `?after=` waits on) covers its
 *    position. Events are sampled with a Kafka consumer of the bench's own on Zan's topics (every
 *    event the relay publishes, tips and their credits alike); the watermark is polled all along and
 *    its history kept, so the moment an event became visible is known even if the sampler read it
 *    late. The part up to the sampler's read is reported too (relay and Kafka);
 *  - catch-up: the projector process is stopped, tips pile up (published by the relay), then it is
 *    started again: events/s from its first applied batch until its watermark covers the head.
 * Baseline: raw Redis pipelined writes of a tip's changes (bench/baselines/physical.ts).
 */
import { EVENT_CATEGORIES } from '@zan/contracts';
import { KafkaEventBus } from '@zan/messaging';
import { Kafka, logLevel } from 'kafkajs';
import { redisPipeline, asBaseline } from '../baselines/physical';
import { cpuMeter, describeCpu, eventTotals, runAlone, sleep, startStack, wallClock, waitFor } from '../lib/stack';
import { serversOf } from '../lib/servers';
import { perSecond, roundMs, scaledMs, spread } from '../lib/stats';
import type { BenchContext, Baseline, Figure, Scenario, ScenarioResult } from '../lib/types';
import { tipStorm, tipWorkload, type TipTally } from './tip-storm';

interface Sample {
  position: bigint;
  /** The event's time (ms since the epoch, as stored; millisecond resolution). */
  occurredAt: number;
  /** When the bench's own consumer read it from Kafka. */
  readAt: number;
}

/** The watermark's history: each time it moved, when the bench saw it. Non-decreasing. */
class WatermarkHistory {
  readonly at: number[] = [];
  readonly marks: bigint[] = [];
  private running = true;
  private loop?: Promise<void>;

  start(read: () => Promise<bigint>): void {
    this.loop = (async () => {
      while (this.running) {
        const mark = await read();
        const seenAt = wallClock();
        if (this.marks.length === 0 || mark > this.marks[this.marks.length - 1]!) {
          this.marks.push(mark);
          this.at.push(seenAt);
        }
        // One Redis round trip after another, with a breath between: precise to a millisecond or two.
        await sleep(1);
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /** When the watermark first covered `position`, or undefined if it never did. */
  visibleAt(position: bigint): number | undefined {
    let low = 0;
    let high = this.marks.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (this.marks[mid]! >= position) high = mid;
      else low = mid + 1;
    }
    return low < this.marks.length ? this.at[low] : undefined;
  }
}

export const run: Scenario = async (context: BenchContext): Promise<ScenarioResult> => {
  const { scale, log } = context;
  const workload = tipWorkload(scale);
  const warmupMs = scaledMs(5_000, scale, 1_000);
  const measuredMs = scaledMs(20_000, scale, 3_000);
  const backlogEvents = Math.max(2_000, Math.round(50_000 * scale));
  const figures: Figure[] = [];
  const baselines: Baseline[] = [];
  const checks: ScenarioResult['checks'] = [];
  const notes: string[] = [];
  let latency: ScenarioResult['latency'];

  log(`projection: seeding ${workload.readers.length} readers and ${workload.authors.length} authors, starting the stack`);
  const stack = await startStack(context, 'proj', { wallets: workload.wallets });
  const servers = serversOf(context);
  const bus = new KafkaEventBus({ brokers: servers.kafkaBrokers, clientId: 'bench-projection', topicPrefix: stack.env.ZAN_TOPIC_PREFIX!, partitions: 3 });
  const kafka = new Kafka({ clientId: 'bench-projection-spy', brokers: servers.kafkaBrokers, logLevel: logLevel.NOTHING });
  const spy = kafka.consumer({ groupId: `${stack.env.ZAN_TOPIC_PREFIX}.bench-spy`, maxWaitTimeInMs: 20 });
  try {
    // The topics exist before the sampler subscribes (as the relay would create them).
    await bus.ensureTopics(EVENT_CATEGORIES);
    const samples: Sample[] = [];
    await spy.connect();
    await spy.subscribe({ topics: EVENT_CATEGORIES.map((category) => bus.topicFor(category)), fromBeginning: true });
    await spy.run({
      eachMessage: async ({ message }) => {
        const readAt = wallClock();
        const position = message.headers?.zan_position;
        const time = message.headers?.ce_time;
        if (position && time) samples.push({ position: BigInt(String(position)), occurredAt: Date.parse(String(time)), readAt });
      },
    });
    const history = new WatermarkHistory();
    history.start(() => stack.readModels.watermark());

    // Lag under the tip storm's load.
    log(`projection: lag under a tip storm, ${warmupMs} ms warm-up then ${measuredMs} ms measured`);
    const tally: TipTally = { count: 0, amount: 0, refused: 0, refusals: [] };
    await tipStorm(stack.apiUrl, workload, { durationMs: warmupMs }, tally);
    const windowStart = wallClock();
    const cpu = cpuMeter(stack.pids());
    const load = await tipStorm(stack.apiUrl, workload, { durationMs: measuredMs }, tally);
    const usage = cpu.stop();
    const windowEnd = windowStart + measuredMs;
    await stack.quiet(180_000);
    await sleep(200); // the sampler's last reads
    await history.stop();

    const measured = samples.filter((s) => s.occurredAt >= windowStart && s.occurredAt <= windowEnd);
    const lags: number[] = [];
    const relayed: number[] = [];
    let invisible = 0;
    for (const sample of measured) {
      const visible = history.visibleAt(sample.position);
      if (visible === undefined) invisible++;
      else lags.push(visible - sample.occurredAt);
      relayed.push(sample.readAt - sample.occurredAt);
    }
    const lag = spread(lags);
    const relay = spread(relayed);
    latency = { label: 'append -> visible in the read model', p50: roundMs(lag.p50), p99: roundMs(lag.p99), p999: roundMs(lag.p999) };
    figures.push(
      { key: 'lag_p50_ms', label: 'append -> visible in the read model, p50 (under the tip storm)', value: roundMs(lag.p50), unit: 'ms', better: 'lower' },
      {
        key: 'lag_p99_ms',
        label: 'append -> visible in the read model, p99 (under the tip storm)',
        value: roundMs(lag.p99),
        unit: 'ms',
        better: 'lower',
        target: 250,
      },
    );
    notes.push(
      `load during the lag window: ${perSecond(load.ok, load.elapsedMs)} tips/s over HTTP (${load.ok} tips, ${load.non2xx} non-2xx, ${load.timeouts} timeouts); ` +
        `${measured.length} events sampled from Kafka (tips and their credits), max lag ${roundMs(lag.max)} ms`,
    );
    notes.push(`of which event time -> read from Kafka by the bench's consumer (relay, Kafka): p50 ${roundMs(relay.p50)} ms, p99 ${roundMs(relay.p99)} ms`);
    notes.push(`lag window ${describeCpu(usage)}`);
    checks.push({
      label: 'events were sampled in the lag window',
      ok: measured.length > 0 && lags.length > 0,
      detail: `${measured.length} events, ${lags.length} with a lag`,
    });
    checks.push({ label: 'every sampled event became visible', ok: invisible === 0, detail: `${invisible} never covered by the watermark` });
    await spy.stop();

    // Catch-up: the projector stopped while tips pile up.
    log(`projection: catch-up, projector stopped, piling up about ${backlogEvents} events`);
    await stack.stopProjector();
    const before = await stack.readModels.status();
    await tipStorm(stack.apiUrl, workload, { amount: Math.ceil(backlogEvents / 2) }, tally);
    const head = await stack.quiet(300_000, { readModels: false });
    const backlog = (await stack.readModels.status()).watermark;
    if (backlog !== before.watermark) throw new Error('the read models moved while the projector was stopped');
    const restartedAt = performance.now();
    await stack.startProjector();
    const cpuCatchUp = cpuMeter(stack.pids());
    let first: { at: number; applied: number } | undefined;
    const done = await waitFor(
      'the projector to catch up',
      async () => {
        const status = await stack.readModels.status();
        const at = performance.now();
        if (!first && status.applied > before.applied) first = { at, applied: status.applied };
        return status.watermark >= head ? { at, applied: status.applied } : undefined;
      },
      300_000,
      10,
    );
    const caughtUp = cpuCatchUp.stop();
    const piled = done.applied - before.applied;
    // From the first batch seen applied (the consumer group has joined) to the watermark at the head.
    const rate = first && done.at > first.at ? perSecond(done.applied - first.applied, done.at - first.at) : NaN;
    figures.push({
      key: 'projector_catchup_events_per_s',
      label: `projector catch-up on ${piled} piled-up events`,
      value: rate,
      unit: 'events/s',
      better: 'higher',
    });
    const bootS = ((first?.at ?? done.at) - restartedAt) / 1000;
    const drainS = (done.at - (first?.at ?? done.at)) / 1000;
    notes.push(
      `catch-up: ${piled} events applied; ${bootS.toFixed(1)} s from starting the projector process to its first applied batch (boot, group join), then ${drainS.toFixed(2)} s to the head`,
    );
    notes.push(`catch-up ${describeCpu(caughtUp)}`);
    checks.push({
      label: 'the catch-up applied the piled-up events',
      ok: piled >= backlogEvents * 0.9 && Number.isFinite(rate),
      detail: `${piled} events applied, about ${backlogEvents} piled up`,
    });

    // The read models after all this: money adds up.
    await stack.quiet(120_000);
    let balances = 0;
    for (const { userId } of workload.wallets) balances += (await stack.readModels.wallet(userId))?.balance ?? 0;
    const praised = await eventTotals(stack.events, 'TipPraised');
    let earned = 0;
    for (const author of workload.authors) earned += (await stack.readModels.earnings(author)).total;
    checks.push({
      label: 'after the catch-up: balances add up to the total funded, earnings to the tips',
      ok: balances === stack.funded && earned === praised.amount,
      detail: `balances ${balances} of ${stack.funded} fen funded; earnings ${earned} fen, tips ${praised.amount} fen`,
    });
  } finally {
    await spy.disconnect().catch(() => undefined);
    const admin = kafka.admin();
    await admin
      .connect()
      .then(() => admin.deleteGroups([`${stack.env.ZAN_TOPIC_PREFIX}.bench-spy`]))
      .catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    await bus.close().catch(() => undefined);
    await stack.close();
  }

  // The physical limit of the same kind of writes: raw Redis pipelines, nothing of Zan in the way.
  const raw = await redisPipeline({ redisUrl: servers.redisUrl, batchSize: 500, durationMs: scaledMs(5_000, scale, 1_000) });
  baselines.push(asBaseline(raw, 'projector_catchup_events_per_s'));
  notes.push(`physical: ${raw.label}: ${raw.value} events/s (${raw.detail})`);

  return {
    id: 'projection',
    title: 'Projection: lag under load and catch-up',
    setup:
      `Lag: the tip storm's load (${workload.readers.length} readers, ${workload.authors.length} authors, 50 connections) for ${warmupMs / 1000} s warm-up ` +
      `and ${measuredMs / 1000} s measured; every event the relay publishes is sampled by a Kafka consumer of the bench's own, and its lag runs ` +
      `from its occurredAt to the first poll of the read models' watermark that covers it. Catch-up: projector process stopped, about ` +
      `${backlogEvents} events (tips and credits) piled up and published, projector started: events/s from its first applied batch to the head.`,
    figures,
    baselines,
    checks,
    notes,
    latency,
  };
};

runAlone(module, run);
