/**
 * Scenario 2, the red-packet claim storm, through HTTP against the full stack:
 *  (a) one packet of 100 shares and 10,000 distinct claimers all claiming at once: exactly 100 win
 *      (201) and 9,900 hear 410 red-packet-gone; the shares add up to the packet;
 *  (b) 1,000 packets of 10 shares, 10 claimers each, all claims at once and shuffled: every claim
 *      wins, and every packet pays out exactly its amount.
 * "At once": every claim is queued up front and CLAIM_CONNECTIONS connections drain the queue, each
 * sending its next claim as soon as the last is answered. Time to drain: from the first claim sent to
 * the last answer. Baseline: the naive @nestjs/cqrs handler on the same packets (bench/naive).
 */
import { randomUUID } from 'node:crypto';
import { redPacketStream, type NewEvent, currentVersion } from '@zan/contracts';
import { redPacketDecider } from '@zan/domain';
import type { PostgresEventStore } from '@zan/event-store';
import { describeStatuses, runLoad, type LoadResult } from '../lib/load';
import { apiTimeSplit, bearer, cpuMeter, describeCpu, eventTotals, pgCommits, runAlone, startStack, type Stack } from '../lib/stack';
import { serversOf } from '../lib/servers';
import { roundMs, spread } from '../lib/stats';
import type { BenchContext, Baseline, Figure, Scenario, ScenarioResult } from '../lib/types';
import { startNaive } from '../naive/naive-process';

/** Claimers in flight at once. Many more sockets would measure the load generator, not the server. */
export const CLAIM_CONNECTIONS = 200;
const HOT_SHARES = 100;
const HOT_AMOUNT = 20_000;
const MANY_SHARES = 10;
const MANY_AMOUNT = 1_000;
const PACKETS_PER_SENDER = 10;

export interface Claim {
  packet: string;
  userId: string;
}

export interface Outcome {
  load: LoadResult;
  /** Winners' amounts by packet. */
  won: Map<string, number[]>;
  /** Refusals by problem type (its last segment), e.g. red-packet-gone. */
  refused: Map<string, number>;
  firstRefusals: string[];
}

const shuffle = <T>(items: T[]): T[] => {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
};

/** Every claim queued at once; `CLAIM_CONNECTIONS` connections drain them. */
export const storm = async (url: string, claims: Claim[], tokens: Map<string, string>): Promise<Outcome> => {
  const outcome: Outcome = { load: undefined!, won: new Map(), refused: new Map(), firstRefusals: [] };
  let next = 0;
  const keyPrefix = randomUUID();
  outcome.load = await runLoad({
    url,
    connections: Math.min(CLAIM_CONNECTIONS, claims.length),
    amount: claims.length,
    timeoutS: 30,
    next: () => {
      const claim = claims[next++]!;
      return {
        method: 'POST',
        path: `/v1/red-packets/${claim.packet}/claims`,
        headers: { authorization: tokens.get(claim.userId)!, 'idempotency-key': `${keyPrefix}-${next}` },
        tag: claim,
      };
    },
    onResponse: (status, body, tag) => {
      const claim = tag as Claim;
      if (status === 201) {
        const amounts = outcome.won.get(claim.packet) ?? outcome.won.set(claim.packet, []).get(claim.packet)!;
        amounts.push((JSON.parse(body) as { amount: number }).amount);
        return;
      }
      let type = `status-${status}`;
      try {
        type = String((JSON.parse(body) as { type?: string }).type ?? type)
          .split('/')
          .pop()!;
      } catch {
        // Not JSON: keep the status.
      }
      outcome.refused.set(type, (outcome.refused.get(type) ?? 0) + 1);
      if (outcome.firstRefusals.length < 3 && type !== 'red-packet-gone') outcome.firstRefusals.push(`${status} ${body.slice(0, 200)}`);
    },
  });
  if (next !== claims.length) throw new Error(`claim storm sent ${next} claims of ${claims.length}`);
  return outcome;
};

export const wins = (outcome: Outcome): number => [...outcome.won.values()].reduce((n, amounts) => n + amounts.length, 0);
const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);
const drainS = (outcome: Outcome): number => Math.round(outcome.load.elapsedMs) / 1000;
const claimsPerS = (outcome: Outcome, claims: number): number => Math.round(claims / (outcome.load.elapsedMs / 1000));
export const describeOutcome = (name: string, outcome: Outcome, claims: number): string => {
  const latency = spread(outcome.load.allLatencies);
  return (
    `${name}: ${claims} claims drained in ${drainS(outcome)} s (${claimsPerS(outcome, claims)} claims/s), ${wins(outcome)} won; ` +
    `answers ${describeStatuses(outcome.load.byStatus)}; ${outcome.load.timeouts} timeouts, ${outcome.load.errors} connection errors; ` +
    `answer time p50 ${roundMs(latency.p50)} ms, p99 ${roundMs(latency.p99)} ms` +
    (outcome.firstRefusals.length > 0 ? `; unexpected refusals: ${outcome.firstRefusals.join(' | ')}` : '')
  );
};

interface Plan {
  claimers: string[];
  tokens: Map<string, string>;
  hotClaims: (packet: string) => Claim[];
  manyClaims: (packets: string[]) => Claim[];
  packets: number;
}

const plan = (scale: number): Plan => {
  const run = Date.now().toString(36);
  const claimers = Array.from({ length: Math.max(1_000, Math.round(10_000 * scale)) }, (_, i) => `claimer${i}-${run}`);
  const packets = Math.max(100, Math.round(1_000 * scale));
  return {
    claimers,
    tokens: new Map(claimers.map((userId) => [userId, bearer(userId)])),
    hotClaims: (packet) => shuffle(claimers.map((userId) => ({ packet, userId }))),
    // Packet p is claimed by claimers p*10 .. p*10+9 (mod the crowd): distinct within a packet.
    manyClaims: (ids) =>
      shuffle(
        ids.flatMap((packet, p) => Array.from({ length: MANY_SHARES }, (_, k) => ({ packet, userId: claimers[(p * MANY_SHARES + k) % claimers.length]! }))),
      ),
    packets,
  };
};

/** Sends the packets through the api (the send handler escrows them before answering). */
export const sendPackets = async (stack: Stack, senders: string[], count: number, amount: number, shares: number): Promise<string[]> => {
  const tokens = new Map(senders.map((userId) => [userId, bearer(userId)]));
  const ids: string[] = [];
  const failures: string[] = [];
  let n = 0;
  await runLoad({
    url: stack.apiUrl,
    connections: Math.min(20, count),
    amount: count,
    timeoutS: 30,
    next: () => {
      const sender = senders[n++ % senders.length]!;
      return {
        method: 'POST',
        path: '/v1/red-packets',
        headers: { authorization: tokens.get(sender)!, 'idempotency-key': randomUUID() },
        body: JSON.stringify({ amount, shares, mode: 'lucky' }),
      };
    },
    onResponse: (status, body) => {
      if (status === 201) ids.push((JSON.parse(body) as { redPacketId: string }).redPacketId);
      else failures.push(`${status} ${body.slice(0, 200)}`);
    },
  });
  if (ids.length !== count) throw new Error(`sent ${ids.length} red packets of ${count}: ${failures.slice(0, 3).join(' | ')}`);
  return ids;
};

/** The naive app's packets: escrowed straight into its schema, as Zan's send handler would leave them. */
const seedNaivePackets = async (events: PostgresEventStore, packets: { id: string; amount: number; shares: number }[]): Promise<void> => {
  const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
  for (let i = 0; i < packets.length; i += 500) {
    await events.sql.transaction(async (tx) => {
      for (const { id, amount, shares } of packets.slice(i, i + 500)) {
        const senderId = `naive-sender-${i}`;
        const decided = redPacketDecider.decide(
          { type: 'EscrowRedPacket', data: { packet: { redPacketId: id, senderId, amount, shares, mode: 'lucky', expiresAt } } },
          redPacketDecider.initialState,
        );
        const stored: NewEvent[] = decided.map((event) => {
          const eventId = randomUUID();
          return {
            id: eventId,
            type: event.type,
            version: currentVersion(event.type),
            data: event.data,
            metadata: { correlationId: eventId, causationId: eventId, userId: senderId },
            occurredAt: new Date().toISOString(),
          };
        });
        await events.eventStore.appendWithin(tx, redPacketStream(id), stored, 'no_stream');
      }
    });
  }
};

export const run: Scenario = async (context: BenchContext): Promise<ScenarioResult> => {
  const { scale, log } = context;
  const { databaseUrl } = serversOf(context);
  const p = plan(scale);
  const figures: Figure[] = [];
  const baselines: Baseline[] = [];
  const checks: ScenarioResult['checks'] = [];
  const notes: string[] = [];
  const run = Date.now().toString(36);
  const hotSender = `hot-sender-${run}`;
  const senders = Array.from({ length: Math.ceil(p.packets / PACKETS_PER_SENDER) }, (_, i) => `sender${i}-${run}`);
  const manyClaimCount = p.packets * MANY_SHARES;

  log(`claim-storm: ${p.claimers.length} claimers; starting the stack`);
  const stack = await startStack(context, 'claims', {
    wallets: [{ userId: hotSender, funding: HOT_AMOUNT }, ...senders.map((userId) => ({ userId, funding: PACKETS_PER_SENDER * MANY_AMOUNT }))],
  });
  let hotLatency: ScenarioResult['latency'];
  try {
    // (a) one packet, the whole crowd.
    const [hot] = await sendPackets(stack, [hotSender], 1, HOT_AMOUNT, HOT_SHARES);
    log(`claim-storm: (a) ${p.claimers.length} claimers on one packet of ${HOT_SHARES} shares`);
    let split = await apiTimeSplit(stack.apiUrl);
    let commits = await pgCommits(databaseUrl);
    let cpu = cpuMeter(stack.pids());
    const a = await storm(stack.apiUrl, p.hotClaims(hot!), p.tokens);
    notes.push(`(a) Zan ${describeCpu(cpu.stop())}; PostgreSQL commits ${await commits.stop()} (database-wide)`);
    notes.push(`(a) Zan ${await split.describe()}`);
    log(`claim-storm: ${describeOutcome('(a) Zan', a, p.claimers.length)}`);
    notes.push(describeOutcome('(a) Zan', a, p.claimers.length));
    const hotWon = a.won.get(hot!) ?? [];
    const latency = spread(a.load.allLatencies);
    hotLatency = {
      label: `claim, ${p.claimers.length} on one packet (Zan)`,
      p50: roundMs(latency.p50),
      p99: roundMs(latency.p99),
      p999: roundMs(latency.p999),
    };
    figures.push(
      {
        key: 'hot_claim_drain_s',
        label: `one packet of ${HOT_SHARES} shares, ${p.claimers.length} claimers: time to drain`,
        value: drainS(a),
        unit: 's',
        better: 'lower',
        target: 2,
      },
      {
        key: 'hot_claims_per_s',
        label: 'claims/s on one hot packet (wins and refusals)',
        value: claimsPerS(a, p.claimers.length),
        unit: 'ops/s',
        better: 'higher',
      },
      { key: 'hot_claim_p99_ms', label: 'claim answer time p99, one hot packet', value: roundMs(latency.p99), unit: 'ms', better: 'lower' },
    );
    const gone = a.refused.get('red-packet-gone') ?? 0;
    checks.push({
      label: `(a) exactly ${HOT_SHARES} winners (201)`,
      ok: hotWon.length === HOT_SHARES && a.load.byStatus[201] === HOT_SHARES,
      detail: `${hotWon.length} winners`,
    });
    checks.push({
      label: `(a) every other claimer refused cleanly: 410 red-packet-gone`,
      ok: gone === p.claimers.length - HOT_SHARES && a.load.byStatus[410] === gone && a.load.timeouts + a.load.errors === 0,
      detail: `${gone} red-packet-gone; answers ${describeStatuses(a.load.byStatus)}; ${a.load.timeouts} timeouts, ${a.load.errors} errors`,
    });
    checks.push({ label: '(a) the shares add up to the packet', ok: sum(hotWon) === HOT_AMOUNT, detail: `${sum(hotWon)} of ${HOT_AMOUNT} fen` });
    const storedHot = await eventTotals(stack.events, 'RedPacketClaimed', redPacketStream(hot!));
    checks.push({
      label: '(a) the event store holds the same 100 claims',
      ok: storedHot.count === HOT_SHARES && storedHot.amount === HOT_AMOUNT,
      detail: `${storedHot.count} RedPacketClaimed, ${storedHot.amount} fen`,
    });

    // (b) many packets at once.
    log(`claim-storm: (b) sending ${p.packets} packets of ${MANY_SHARES} shares`);
    const packets = await sendPackets(stack, senders, p.packets, MANY_AMOUNT, MANY_SHARES);
    log(`claim-storm: (b) ${manyClaimCount} claims on ${p.packets} packets at once`);
    split = await apiTimeSplit(stack.apiUrl);
    commits = await pgCommits(databaseUrl);
    cpu = cpuMeter(stack.pids());
    const b = await storm(stack.apiUrl, p.manyClaims(packets), p.tokens);
    notes.push(`(b) Zan ${describeCpu(cpu.stop())}; PostgreSQL commits ${await commits.stop()} (database-wide)`);
    notes.push(`(b) Zan ${await split.describe()}`);
    log(`claim-storm: ${describeOutcome('(b) Zan', b, manyClaimCount)}`);
    notes.push(describeOutcome('(b) Zan', b, manyClaimCount));
    figures.push(
      {
        key: 'many_claim_drain_s',
        label: `${p.packets} packets x ${MANY_SHARES} claimers at once: time to drain`,
        value: drainS(b),
        unit: 's',
        better: 'lower',
      },
      { key: 'many_claims_per_s', label: `claims/s over ${p.packets} packets`, value: claimsPerS(b, manyClaimCount), unit: 'ops/s', better: 'higher' },
    );
    const exact = packets.filter((id) => (b.won.get(id) ?? []).length === MANY_SHARES && sum(b.won.get(id)!) === MANY_AMOUNT).length;
    checks.push({
      label: `(b) every claim wins: ${manyClaimCount} x 201`,
      ok: b.load.byStatus[201] === manyClaimCount,
      detail: `answers ${describeStatuses(b.load.byStatus)}; ${b.load.timeouts} timeouts, ${b.load.errors} errors`,
    });
    checks.push({
      label: `(b) every packet has exactly ${MANY_SHARES} winners sharing exactly its amount`,
      ok: exact === packets.length,
      detail: `${exact} of ${packets.length} packets`,
    });

    // Once quiet: the read models agree, and the claimers' wallets hold exactly what they won.
    log('claim-storm: waiting for the credits, the relay and the projector to catch up');
    const quiet = await stack.quiet(180_000).then(
      () => true,
      (error: Error) => {
        checks.push({ label: 'the system went quiet after the storms', ok: false, detail: error.message });
        return false;
      },
    );
    if (quiet) {
      const view = await stack.readModels.redPacket(hot!);
      checks.push({
        label: '(a) the packet read model: fully claimed by 100, nothing left',
        ok: view?.claimed.length === HOT_SHARES && view.remaining === 0,
        detail: `${view?.claimed.length} claims, ${view?.remaining} fen left, ${view?.status}`,
      });
      let credited = 0;
      for (const userId of p.claimers) credited += (await stack.readModels.wallet(userId))?.balance ?? 0;
      const wonTotal = sum([...a.won.values(), ...b.won.values()].flat());
      checks.push({
        label: "claimers' wallets (read model) hold exactly what they won",
        ok: credited === wonTotal,
        detail: `${credited} fen in wallets, ${wonTotal} fen won`,
      });
    }
  } finally {
    await stack.close();
  }

  // The naive design on the same packets, escrowed straight into its own schema.
  log('claim-storm: the naive @nestjs/cqrs baseline');
  const hotId = randomUUID();
  const manyIds = Array.from({ length: p.packets }, () => randomUUID());
  const naive = await startNaive(context, 'claims', (events) =>
    seedNaivePackets(events, [
      { id: hotId, amount: HOT_AMOUNT, shares: HOT_SHARES },
      ...manyIds.map((id) => ({ id, amount: MANY_AMOUNT, shares: MANY_SHARES })),
    ]),
  );
  try {
    let cpu = cpuMeter({ naive: naive.pid });
    const a = await storm(naive.url, p.hotClaims(hotId), p.tokens);
    notes.push(`(a) naive ${describeCpu(cpu.stop())}`);
    notes.push(describeOutcome('(a) naive', a, p.claimers.length));
    cpu = cpuMeter({ naive: naive.pid });
    const b = await storm(naive.url, p.manyClaims(manyIds), p.tokens);
    notes.push(`(b) naive ${describeCpu(cpu.stop())}`);
    notes.push(describeOutcome('(b) naive', b, manyClaimCount));
    baselines.push(
      {
        key: 'naive_cqrs_hot_drain',
        label: 'naive @nestjs/cqrs handler: one hot packet, time to drain',
        kind: 'naive',
        value: drainS(a),
        unit: 's',
        compares: 'hot_claim_drain_s',
      },
      {
        key: 'naive_cqrs_hot_claims',
        label: 'naive @nestjs/cqrs handler: claims/s on one hot packet',
        kind: 'naive',
        value: claimsPerS(a, p.claimers.length),
        unit: 'ops/s',
        compares: 'hot_claims_per_s',
      },
      {
        key: 'naive_cqrs_many_drain',
        label: `naive @nestjs/cqrs handler: ${p.packets} packets, time to drain`,
        kind: 'naive',
        value: drainS(b),
        unit: 's',
        compares: 'many_claim_drain_s',
      },
      {
        key: 'naive_cqrs_many_claims',
        label: `naive @nestjs/cqrs handler: claims/s over ${p.packets} packets`,
        kind: 'naive',
        value: claimsPerS(b, manyClaimCount),
        unit: 'ops/s',
        compares: 'many_claims_per_s',
      },
    );
    const naiveHot = await eventTotals(naive.events, 'RedPacketClaimed', redPacketStream(hotId));
    notes.push(
      `naive (a) stored ${naiveHot.count} claims of ${naiveHot.amount} fen; claims that lost ${25} conflicts in a row answer 503 there (no per-stream queue)`,
    );
  } finally {
    await naive.close();
  }

  return {
    id: 'claim-storm',
    title: 'Red-packet claim storm through HTTP',
    setup:
      `(a) one lucky packet of ${HOT_AMOUNT} fen in ${HOT_SHARES} shares, ${p.claimers.length} distinct claimers; (b) ${p.packets} packets of ${MANY_AMOUNT} fen in ` +
      `${MANY_SHARES} shares, ${MANY_SHARES} claimers each, ${manyClaimCount} claims shuffled. All claims queued at once and drained by ` +
      `${CLAIM_CONNECTIONS} connections (autocannon), each with its own token and Idempotency-Key; api, relay and projector as processes.`,
    figures,
    baselines,
    checks,
    notes,
    latency: hotLatency,
  };
};

runAlone(module, run);
