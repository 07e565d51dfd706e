/**
 * Issue 19, group buys, through HTTP against the full stack: 1,000 groups of 10 filling at once
 * beside 1,000 groups that expire half full. Every member's money is held at the join; each filling
 * group completes and pays the merchant once per order; each expiring group fails at its deadline
 * (the durable timers) and returns every hold once. The filling joins are queued at once (autocannon);
 * meanwhile EXPIRING_WORKERS clients each open an expiring group and join its members, group after
 * group, so every expiring group's members join before its deadline however slow the machine, and
 * the deadlines fall while the filling groups fill. Measured: joins answered per second, the time
 * until every filling group is settled (completed, every payment credited), the time from the last
 * deadline until every expiring group is settled (failed, every hold returned), and from the first
 * join until all are. The money equation must be exact and nothing left held.
 */
import { randomUUID } from 'node:crypto';
import { auditLedger } from '@zan/domain';
import { readAllEvents } from '../../test/support/read-model-snapshot';
import { describeStatuses, runLoad, type LoadResult } from '../lib/load';
import { apiTimeSplit, bearer, cpuMeter, describeCpu, eventTotals, runAlone, sleep, startStack, wallClock, type SeedWallet, type Stack } from '../lib/stack';
import { roundMs, spread } from '../lib/stats';
import type { BenchContext, Figure, Scenario, ScenarioResult } from '../lib/types';

const CONNECTIONS = 150;
/** Clients opening expiring groups and joining their members, beside the filling rush. */
const EXPIRING_WORKERS = 50;
const GROUP_SIZE = 10;
/** Members of an expiring group: half of it, so it never fills. */
const EXPIRING_MEMBERS = 5;
const PRICE = 100;
const FUNDING = 1_000;

const shuffle = <T>(items: T[]): T[] => {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
};

interface Group {
  groupBuyId: string;
  expiresAt: string;
}

/** Opens `count` groups through HTTP, over 50 connections; their ids in order. */
const openGroups = async (stack: Stack, merchant: string, productId: string, count: number, expiresInSeconds: number): Promise<Group[]> => {
  const groups: Group[] = [];
  const failures: string[] = [];
  const body = JSON.stringify({ productId, groupPrice: PRICE, groupSize: GROUP_SIZE, expiresInSeconds });
  await runLoad({
    url: stack.apiUrl,
    connections: 50,
    amount: count,
    timeoutS: 30,
    next: () => ({
      method: 'POST',
      path: '/v1/merchants/me/group-buys',
      headers: { authorization: bearer(merchant), 'idempotency-key': randomUUID() },
      body,
    }),
    onResponse: (status, text) => {
      if (status === 201) groups.push(JSON.parse(text) as Group);
      else if (failures.length < 3) failures.push(`${status} ${text.slice(0, 200)}`);
    },
  });
  if (groups.length !== count) throw new Error(`opened ${groups.length} groups of ${count}: ${failures.join(' | ')}`);
  return groups;
};

interface Join {
  buyer: string;
  groupBuyId: string;
}

interface Rush {
  load: LoadResult;
  /** 201 answers. */
  joinedFilling: number;
  refused: Map<string, number>;
  firstRefusals: string[];
}

const rush = async (url: string, joins: Join[]): Promise<Rush> => {
  const outcome: Rush = { load: undefined!, joinedFilling: 0, refused: new Map(), firstRefusals: [] };
  let next = 0;
  outcome.load = await runLoad({
    url,
    connections: Math.min(CONNECTIONS, joins.length),
    amount: joins.length,
    timeoutS: 60,
    next: () => {
      const join = joins[next++]!;
      return {
        method: 'POST',
        path: `/v1/group-buys/${join.groupBuyId}/joins`,
        headers: { authorization: bearer(join.buyer), 'idempotency-key': randomUUID() },
      };
    },
    onResponse: (status, text) => {
      if (status === 201) {
        outcome.joinedFilling++;
        return;
      }
      const type = `${status} ${String((JSON.parse(text || '{}') as { type?: string }).type ?? '')
        .split('/')
        .pop()}`;
      outcome.refused.set(type, (outcome.refused.get(type) ?? 0) + 1);
      if (outcome.firstRefusals.length < 3) outcome.firstRefusals.push(`${status} ${text.slice(0, 200)}`);
    },
  });
  if (next !== joins.length) throw new Error(`sent ${next} joins of ${joins.length}`);
  return outcome;
};

interface Expiring {
  groups: Group[];
  joined: number;
  byStatus: Record<number, number>;
  errors: number;
  firstRefusals: string[];
  elapsedMs: number;
}

/** EXPIRING_WORKERS clients: each opens an expiring group, then its members join it at once, then the next group. */
const openAndJoinExpiring = async (
  stack: Stack,
  merchant: string,
  productId: string,
  count: number,
  members: string[],
  expiresInSeconds: number,
): Promise<Expiring> => {
  const outcome: Expiring = { groups: [], joined: 0, byStatus: {}, errors: 0, firstRefusals: [], elapsedMs: 0 };
  const post = async (userId: string, path: string, body?: object): Promise<{ status: number; text: string }> => {
    try {
      const answer = await fetch(`${stack.apiUrl}${path}`, {
        method: 'POST',
        headers: { authorization: bearer(userId), 'idempotency-key': randomUUID(), ...(body && { 'content-type': 'application/json' }) },
        ...(body && { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(120_000),
      });
      const text = await answer.text();
      outcome.byStatus[answer.status] = (outcome.byStatus[answer.status] ?? 0) + 1;
      if (answer.status >= 300 && outcome.firstRefusals.length < 3) outcome.firstRefusals.push(`${answer.status} ${text.slice(0, 200)}`);
      return { status: answer.status, text };
    } catch (error) {
      outcome.errors++;
      return { status: 0, text: String(error) };
    }
  };
  const started = wallClock();
  let next = 0;
  const worker = async () => {
    for (let g = next++; g < count; g = next++) {
      const opened = await post(merchant, '/v1/merchants/me/group-buys', { productId, groupPrice: PRICE, groupSize: GROUP_SIZE, expiresInSeconds });
      if (opened.status !== 201) continue;
      const group = JSON.parse(opened.text) as Group;
      outcome.groups.push(group);
      const answers = await Promise.all(
        members.slice(g * EXPIRING_MEMBERS, (g + 1) * EXPIRING_MEMBERS).map((buyer) => post(buyer, `/v1/group-buys/${group.groupBuyId}/joins`)),
      );
      outcome.joined += answers.filter((a) => a.status === 201).length;
    }
  };
  await Promise.all(Array.from({ length: EXPIRING_WORKERS }, worker));
  outcome.elapsedMs = wallClock() - started;
  if (outcome.groups.length !== count) throw new Error(`opened ${outcome.groups.length} expiring groups of ${count}: ${outcome.firstRefusals.join(' | ')}`);
  return outcome;
};

/** Polls the event log until `done` holds; the wall-clock time it first did, or undefined at the timeout. */
const settledAt = async (done: () => Promise<boolean>, timeoutMs: number): Promise<number | undefined> => {
  const deadline = wallClock() + timeoutMs;
  while (wallClock() < deadline) {
    if (await done()) return wallClock();
    await sleep(200);
  }
  return undefined;
};

export const run: Scenario = async (context: BenchContext): Promise<ScenarioResult> => {
  const { scale, log } = context;
  const figures: Figure[] = [];
  const checks: ScenarioResult['checks'] = [];
  const notes: string[] = [];
  const runId = Date.now().toString(36);
  const merchant = `group-shop-${runId}`;
  const groups = Math.max(100, Math.round(1_000 * scale));
  const buyers = Array.from({ length: groups * GROUP_SIZE }, (_, i) => `gbuyer${i}-${runId}`);
  // Long enough for a group's five joins on a loaded machine (answers took up to 35 s in a smoke run here).
  const expiresInSeconds = 60;
  const wallets: SeedWallet[] = [{ userId: merchant, merchant: true }, ...buyers.map((userId) => ({ userId, funding: FUNDING }))];
  let latency: ScenarioResult['latency'];

  log(`group-buy: ${groups} groups of ${GROUP_SIZE} filling, ${groups} expiring with ${EXPIRING_MEMBERS} members; starting the stack`);
  const stack = await startStack(context, 'groupbuy', { wallets });
  try {
    const listed = await fetch(`${stack.apiUrl}/v1/merchants/me/products`, {
      method: 'POST',
      headers: { authorization: bearer(merchant), 'content-type': 'application/json', 'idempotency-key': randomUUID() },
      body: JSON.stringify({ title: '拼团月饼', price: 3 * PRICE, stock: null }),
    });
    if (listed.status !== 201) throw new Error(`listing the product answered ${listed.status} ${await listed.text()}`);
    const { productId } = (await listed.json()) as { productId: string };

    const opening = wallClock();
    const filling = await openGroups(stack, merchant, productId, groups, 3_600);
    notes.push(`opened ${groups} filling groups through HTTP in ${((wallClock() - opening) / 1000).toFixed(1)} s`);

    // Buyer i is member i % 10 of filling group i / 10; the first five of every ten join an expiring group too.
    const joins = shuffle(buyers.map((buyer, i) => ({ buyer, groupBuyId: filling[Math.floor(i / GROUP_SIZE)]!.groupBuyId })));
    const expiringMembers = buyers.filter((_, i) => i % GROUP_SIZE < EXPIRING_MEMBERS);
    const fillingJoins = groups * GROUP_SIZE;
    const expiringJoins = groups * EXPIRING_MEMBERS;

    log(
      `group-buy: ${joins.length} filling joins at once over ${CONNECTIONS} connections; ${groups} expiring groups opened and joined by ${EXPIRING_WORKERS} clients`,
    );
    const split = await apiTimeSplit(stack.apiUrl);
    const cpu = cpuMeter(stack.pids());
    const started = wallClock();
    const [joined, expiring] = await Promise.all([
      rush(stack.apiUrl, joins),
      openAndJoinExpiring(stack, merchant, productId, groups, expiringMembers, expiresInSeconds),
    ]);
    const rushS = joined.load.elapsedMs / 1000;
    const lastDeadline = Math.max(...expiring.groups.map((g) => Date.parse(g.expiresAt)));
    const answered = `${joins.length} filling joins answered in ${rushS.toFixed(1)} s (${Math.round(joins.length / rushS)}/s): ${describeStatuses(joined.load.byStatus)}`;
    const beside = `beside them ${groups} expiring groups opened and ${expiringJoins} members joined in ${(expiring.elapsedMs / 1000).toFixed(1)} s: ${describeStatuses(expiring.byStatus)}`;
    log(`group-buy: ${answered}; ${beside}`);
    notes.push(answered, beside, `Zan ${await split.describe()}`);
    if (joined.firstRefusals.length > 0 || expiring.firstRefusals.length > 0)
      notes.push(`refusals: ${[...joined.firstRefusals, ...expiring.firstRefusals].join(' | ')}`);

    const filled = await settledAt(async () => {
      const [completed, paid] = await Promise.all([eventTotals(stack.events, 'GroupBuyCompleted'), eventTotals(stack.events, 'GroupBuyPaymentReceived')]);
      return completed.count === groups && paid.count === fillingJoins;
    }, 600_000);
    if (filled !== undefined) log(`group-buy: every filling group settled ${((filled - started) / 1000).toFixed(1)} s after the first join`);
    const failed = await settledAt(
      async () => {
        const [closed, returned] = await Promise.all([eventTotals(stack.events, 'GroupBuyFailed'), eventTotals(stack.events, 'GroupBuyFundsReturned')]);
        // Returns of refused joins (none expected) count too.
        return closed.count === groups && returned.count >= expiring.joined;
      },
      Math.max(0, lastDeadline - wallClock()) + 600_000,
    );
    notes.push(`Zan ${describeCpu(cpu.stop())}`);
    if (failed !== undefined) log(`group-buy: every expiring group settled ${((failed - lastDeadline) / 1000).toFixed(1)} s after the last deadline`);

    const spreadJoins = spread(joined.load.allLatencies);
    latency = {
      label: `join, ${joins.length} joins on ${groups} filling groups`,
      p50: roundMs(spreadJoins.p50),
      p99: roundMs(spreadJoins.p99),
      p999: roundMs(spreadJoins.p999),
    };
    figures.push(
      {
        key: 'group_buy_joins_per_s',
        label: 'filling joins answered per second (money held, member added), expiring groups opened and joined beside them',
        value: Math.round(joins.length / rushS),
        unit: 'ops/s',
        better: 'higher',
      },
      { key: 'group_buy_join_p99_ms', label: 'join answer time p99 (filling groups)', value: roundMs(spreadJoins.p99), unit: 'ms', better: 'lower' },
    );
    if (filled !== undefined) {
      figures.push({
        key: 'group_buy_filled_settled_s',
        label: `${groups} groups of ${GROUP_SIZE} filling at once: first join to every group completed and every order paid to the merchant`,
        value: Math.round(filled - started) / 1000,
        unit: 's',
        better: 'lower',
      });
    }
    if (failed !== undefined) {
      figures.push(
        {
          key: 'group_buy_expired_settled_s',
          label: `${groups} groups expiring (deadlines spread over the opening window): last deadline to every group failed and every hold returned`,
          value: Math.round(failed - lastDeadline) / 1000,
          unit: 's',
          better: 'lower',
        },
        {
          key: 'group_buy_all_settled_s',
          label: `all ${2 * groups} groups settled, from the first join (the expiring ones wait ${expiresInSeconds} s from their opening)`,
          value: Math.round(Math.max(failed, filled ?? failed) - started) / 1000,
          unit: 's',
          better: 'lower',
        },
      );
    }

    checks.push({
      label: `every join answered 201: ${fillingJoins} to filling groups, ${expiringJoins} to expiring ones (each before its deadline)`,
      ok: joined.joinedFilling === fillingJoins && expiring.joined === expiringJoins && joined.load.timeouts + joined.load.errors + expiring.errors === 0,
      detail: `${joined.joinedFilling} + ${expiring.joined} joined; filling ${describeStatuses(joined.load.byStatus)}, ${joined.load.timeouts} timeouts; expiring ${describeStatuses(expiring.byStatus)}, ${expiring.errors} errors`,
    });
    checks.push({
      label: `${groups} groups completed, each order paid to the merchant once`,
      ok: filled !== undefined,
      detail: filled === undefined ? 'not settled in 10 min' : 'settled',
    });
    checks.push({
      label: `${groups} groups failed at their deadline, each hold returned once`,
      ok: failed !== undefined,
      detail: failed === undefined ? 'not settled in 10 min' : 'settled',
    });

    log('group-buy: waiting for the credits, the relay and the projector to catch up');
    const quiet = await stack.quiet(300_000).then(
      () => true,
      (error: Error) => {
        checks.push({ label: 'the system went quiet after the groups settled', ok: false, detail: error.message });
        return false;
      },
    );
    if (quiet) {
      const paid = await eventTotals(stack.events, 'GroupBuyPaymentReceived');
      const audit = auditLedger(await readAllEvents(stack.events.eventStore));
      checks.push({
        label: 'the money equation is exact (zan audit over the whole log): nothing held, nothing in flight',
        ok: audit.problems.length === 0 && audit.inFlight === 0 && audit.heldByGroupBuys === 0,
        detail: `${audit.problems.length} problems${audit.problems.length > 0 ? ` (${audit.problems.slice(0, 2).join('; ')})` : ''}, ${audit.heldByGroupBuys} fen held, ${audit.inFlight} fen in flight`,
      });
      const shop = await stack.readModels.wallet(merchant);
      checks.push({
        label: "the merchant's wallet (read model) holds exactly the group orders",
        ok: paid.amount === fillingJoins * PRICE && shop?.balance === fillingJoins * PRICE,
        detail: `${paid.count} payments, ${paid.amount} fen; read model ${shop?.balance} fen`,
      });
      const [aFilled, anExpired] = [await stack.readModels.groupBuy(filling[0]!.groupBuyId), await stack.readModels.groupBuy(expiring.groups[0]!.groupBuyId)];
      const card = await stack.readModels.product(productId);
      checks.push({
        label: 'the read models: a filled group completed, an expired one failed, the card sold one unit per group order',
        ok: aFilled?.status === 'completed' && aFilled.members === GROUP_SIZE && anExpired?.status === 'failed' && card?.sold === fillingJoins,
        detail: `${aFilled?.status} with ${aFilled?.members}, ${anExpired?.status} with ${anExpired?.members}, sold ${card?.sold}`,
      });
    }
  } finally {
    await stack.close();
  }

  return {
    id: 'group-buy',
    title: 'Group buys through HTTP: 1,000 groups of 10 filling, 1,000 expiring',
    setup:
      `one merchant, one product; ${groups} groups of ${GROUP_SIZE} at ${PRICE} fen (deadline 1 h) opened through HTTP, then their ${groups * GROUP_SIZE} ` +
      `joins shuffled and queued at once, drained by ${CONNECTIONS} connections (autocannon); beside them ${EXPIRING_WORKERS} clients each open a group ` +
      `(deadline ${expiresInSeconds} s) and join its ${EXPIRING_MEMBERS} members at once, ${groups} groups in all. ${buyers.length} buyers funded ${FUNDING} fen ` +
      'each, every request with its own token and Idempotency-Key; ' +
      'api, relay and projector as processes; the settled times are read from the event log (polled every 200 ms).',
    figures,
    baselines: [],
    checks,
    notes,
    latency,
  };
};

runAlone(module, run);
