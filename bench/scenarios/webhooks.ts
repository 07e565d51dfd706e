/**
 * Scenario: webhooks, on the full stack as processes (api, relay, projector, and the dispatcher).
 *  - added lag: under the tip storm's load, how long from an event's time (occurredAt) to its arrival
 *    at a fast receiver on loopback (node:http, 204 at once), beside how long to the read models'
 *    watermark covering it (the projector's lag) in the same run;
 *  - deliveries/s: the dispatcher stopped while tips pile up, then started again: deliveries/s from
 *    the first one it sends until every queued one has arrived;
 *  - the dispatcher and its store alone (webhooks-dispatch.ts): a backlog queued straight into the
 *    store, drained to the same kind of receiver, on PostgreSQL and on Redis.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startApp, type AppProcess } from '../../test/support/processes';
import { TEST_JWT_SECRET, tokenFor } from '../../test/support/tokens';
import { cpuMeter, describeCpu, runAlone, sleep, startStack, wallClock, waitFor } from '../lib/stack';
import { perSecond, roundMs, scaledMs, spread } from '../lib/stats';
import type { BenchContext, Figure, Scenario, ScenarioResult } from '../lib/types';
import { tipStorm, tipWorkload, type TipTally } from './tip-storm';
import { dispatchOnPostgres, dispatchOnRedis } from './webhooks-dispatch';
import { serversOf } from '../lib/servers';

interface Arrival {
  id: string;
  position: bigint;
  occurredAt: number;
  receivedAt: number;
}

/** The fast receiver: answers 204 at once and notes when each webhook arrived. */
const startReceiver = async () => {
  const arrivals: Arrival[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const receivedAt = wallClock();
      const event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: string; time: string; zanposition: string };
      arrivals.push({ id: event.id, position: BigInt(event.zanposition), occurredAt: Date.parse(event.time), receivedAt });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    arrivals,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/zan`,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
};

/** When the read models' watermark first covered each position: its history, polled all along. */
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
      await sleep(1);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
    },
    visibleAt: (position: bigint): number | undefined => {
      const index = marks.findIndex((mark) => mark >= position);
      return index < 0 ? undefined : at[index];
    },
  };
};

export const run: Scenario = async (context: BenchContext): Promise<ScenarioResult> => {
  const { scale, log } = context;
  const workload = tipWorkload(scale);
  const warmupMs = scaledMs(3_000, scale, 1_000);
  const measuredMs = scaledMs(15_000, scale, 3_000);
  const backlogTips = Math.max(1_000, Math.round(10_000 * scale));
  const figures: Figure[] = [];
  const checks: ScenarioResult['checks'] = [];
  const notes: string[] = [];
  let latency: ScenarioResult['latency'];

  log(`webhooks: seeding ${workload.readers.length} readers and ${workload.authors.length} authors, starting the stack and the dispatcher`);
  const stack = await startStack(context, 'hooks', { wallets: workload.wallets, env: { ZAN_WEBHOOKS_ALLOW_PRIVATE: 'true' } });
  const receiver = await startReceiver();
  const launchDispatcher = () => startApp('webhooks', stack.env, /health and metrics on http:/, 90_000);
  let dispatcher: AppProcess | undefined = await launchDispatcher();
  try {
    const admin = `Bearer ${tokenFor('bench-admin', TEST_JWT_SECRET, { roles: ['admin'], expiresInS: 6 * 3600 })}`;
    const created = await fetch(`${stack.apiUrl}/v1/webhooks/endpoints`, {
      method: 'POST',
      headers: { authorization: admin, 'content-type': 'application/json' },
      body: JSON.stringify({ url: receiver.url, events: ['TipPraised', 'TipReceived'] }),
    });
    if (created.status !== 201) throw new Error(`subscribing answered ${created.status}: ${await created.text()}`);
    const history = watermarkHistory(() => stack.readModels.watermark());

    log(`webhooks: lag under a tip storm, ${warmupMs} ms warm-up then ${measuredMs} ms measured`);
    const tally: TipTally = { count: 0, amount: 0, refused: 0, refusals: [] };
    await tipStorm(stack.apiUrl, workload, { durationMs: warmupMs }, tally);
    const windowStart = wallClock();
    const cpu = cpuMeter({ ...stack.pids(), webhooks: dispatcher.child.pid! });
    const load = await tipStorm(stack.apiUrl, workload, { durationMs: measuredMs }, tally);
    const usage = cpu.stop();
    const windowEnd = windowStart + measuredMs;
    const expected = 2 * tally.count;
    await waitFor('every tip delivered', async () => new Set(receiver.arrivals.map((a) => a.id)).size >= expected || undefined, 300_000, 100);
    await stack.quiet(120_000);
    await sleep(100);
    await history.stop();

    const measured = receiver.arrivals.filter((a) => a.occurredAt >= windowStart && a.occurredAt <= windowEnd);
    const hookLag = spread(measured.map((a) => a.receivedAt - a.occurredAt));
    const projectorLags = measured.flatMap((a) => {
      const visible = history.visibleAt(a.position);
      return visible === undefined ? [] : [visible - a.occurredAt];
    });
    const projectorLag = spread(projectorLags);
    latency = { label: 'event -> webhook received', p50: roundMs(hookLag.p50), p99: roundMs(hookLag.p99), p999: roundMs(hookLag.p999) };
    figures.push(
      {
        key: 'webhook_lag_p50_ms',
        label: 'event -> webhook received by a local receiver, p50 (under the tip storm)',
        value: roundMs(hookLag.p50),
        unit: 'ms',
        better: 'lower',
      },
      {
        key: 'webhook_lag_p99_ms',
        label: 'event -> webhook received by a local receiver, p99 (under the tip storm)',
        value: roundMs(hookLag.p99),
        unit: 'ms',
        better: 'lower',
      },
      {
        key: 'webhook_projector_lag_p50_ms',
        label: 'same events -> visible in the read models, p50 (the projector, same run)',
        value: roundMs(projectorLag.p50),
        unit: 'ms',
        better: 'lower',
      },
      {
        key: 'webhook_projector_lag_p99_ms',
        label: 'same events -> visible in the read models, p99 (the projector, same run)',
        value: roundMs(projectorLag.p99),
        unit: 'ms',
        better: 'lower',
      },
    );
    notes.push(
      `load during the lag window: ${perSecond(load.ok, load.elapsedMs)} tips/s over HTTP (${load.ok} tips, ${load.non2xx} non-2xx); ${measured.length} webhooks (TipPraised and TipReceived) in the window`,
    );
    notes.push(
      `added lag of the webhook over the projector: p50 ${roundMs(hookLag.p50 - projectorLag.p50)} ms, p99 ${roundMs(hookLag.p99 - projectorLag.p99)} ms`,
    );
    notes.push(`lag window ${describeCpu(usage)}`);
    checks.push({
      label: 'every tip reached the receiver (TipPraised and TipReceived)',
      ok: new Set(receiver.arrivals.map((a) => a.id)).size >= expected,
      detail: `${expected} expected`,
    });

    log(`webhooks: deliveries/s, the dispatcher stopped while ${backlogTips} tips pile up`);
    await dispatcher.kill('SIGTERM');
    dispatcher = undefined;
    const before = new Set(receiver.arrivals.map((a) => a.id)).size;
    const backlogStart = tally.count;
    await tipStorm(stack.apiUrl, workload, { amount: backlogTips }, tally);
    await stack.quiet(300_000);
    const piled = 2 * (tally.count - backlogStart);
    const arrivalsBefore = receiver.arrivals.length;
    dispatcher = await launchDispatcher();
    const cpuDrain = cpuMeter({ ...stack.pids(), webhooks: dispatcher.child.pid! });
    await waitFor('the backlog delivered', async () => new Set(receiver.arrivals.map((a) => a.id)).size >= before + piled || undefined, 600_000, 50);
    const drain = cpuDrain.stop();
    const drained = receiver.arrivals.slice(arrivalsBefore);
    const elapsed = drained[drained.length - 1]!.receivedAt - drained[0]!.receivedAt;
    const rate = perSecond(drained.length, elapsed);
    figures.push({
      key: 'webhook_deliveries_per_s',
      label: `deliveries/s to a fast local receiver, draining ${piled} queued`,
      value: rate,
      unit: 'events/s',
      better: 'higher',
    });
    notes.push(`drain: ${drained.length} requests (${drained.length - piled} of them redeliveries) in ${(elapsed / 1000).toFixed(2)} s; ${describeCpu(drain)}`);
    checks.push({ label: 'the backlog was delivered', ok: drained.length >= piled, detail: `${drained.length} of ${piled}` });
  } finally {
    await dispatcher?.kill('SIGTERM');
    await receiver.close();
    await stack.close();
  }

  const alone = Math.max(2_000, Math.round(20_000 * scale));
  const servers = serversOf(context);
  for (const [kind, key, drain] of [
    ['PostgreSQL', 'webhook_dispatch_pg_per_s', () => dispatchOnPostgres(servers.databaseUrl, alone)],
    ['Redis', 'webhook_dispatch_redis_per_s', () => dispatchOnRedis(servers.redisUrl, alone)],
  ] as const) {
    log(`webhooks: the dispatcher alone on ${kind}, draining ${alone} queued`);
    const result = await drain();
    figures.push({
      key,
      label: `deliveries/s, the dispatcher and its ${kind} store alone, draining ${alone} queued over 1000 streams`,
      value: result.perSecond,
      unit: 'events/s',
      better: 'higher',
    });
    notes.push(
      `dispatcher alone on ${kind}: ${result.deliveries} delivered in ${(result.elapsedMs / 1000).toFixed(2)} s (queued in ${(result.queueMs / 1000).toFixed(2)} s)`,
    );
    checks.push({ label: `the dispatcher alone on ${kind} delivered the backlog`, ok: result.deliveries >= alone, detail: `${result.deliveries} of ${alone}` });
  }
  return {
    id: 'webhooks',
    title: 'Webhooks: added lag and deliveries/s',
    setup:
      `Full stack as processes with the dispatcher (ZAN_WEBHOOKS_CONCURRENCY 64), one endpoint subscribed to TipPraised and TipReceived on a node:http ` +
      `receiver on loopback that answers 204 at once. Lag: the tip storm's load for ${warmupMs / 1000} s warm-up and ${measuredMs / 1000} s measured, from each ` +
      `event's occurredAt to its arrival, and to the read models' watermark covering it. Throughput: dispatcher stopped, ${backlogTips} tips piled up ` +
      `(two events each), dispatcher started: deliveries/s from its first delivery to the last. Then the dispatcher and its store alone ` +
      `(no stack; PostgreSQL, then Redis): ${alone} deliveries of one endpoint over 1000 streams queued straight into the store, drained at concurrency 64.`,
    figures,
    baselines: [],
    checks,
    notes,
    latency,
  };
};

runAlone(module, run);
