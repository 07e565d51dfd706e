/**
 * Issue 19, the flash sale, through HTTP against the full stack: one product of 100 units and 10,000
 * funded buyers pressing Buy at once. Exactly 100 orders are paid, every other buyer hears 410
 * sold-out, the stock never goes below 0, every paid order credits the merchant once, and the money
 * equation is exact. "At once": every order is queued up front and ORDER_CONNECTIONS connections
 * drain the queue (as the claim storm does). Target: sold out and every buyer answered within 2 s.
 * Baseline: the naive @nestjs/cqrs handler on the same product and buyers (bench/naive).
 */
import { randomUUID } from 'node:crypto';
import { currentVersion, productStream, type NewEvent, type ProductStockReserved } from '@zan/contracts';
import { auditLedger, productDecider } from '@zan/domain';
import type { PostgresEventStore } from '@zan/event-store';
import { readAllEvents } from '../../test/support/read-model-snapshot';
import { describeStatuses, runLoad, type LoadResult } from '../lib/load';
import { apiTimeSplit, bearer, cpuMeter, describeCpu, eventTotals, pgCommits, runAlone, seedWallets, startStack, type SeedWallet } from '../lib/stack';
import { serversOf } from '../lib/servers';
import { roundMs, spread } from '../lib/stats';
import type { BenchContext, Baseline, Figure, Scenario, ScenarioResult } from '../lib/types';
import { startNaive } from '../naive/naive-process';

/** Buyers in flight at once. Many more sockets would measure the load generator, not the server. */
const ORDER_CONNECTIONS = 200;
export const STOCK = 100;
export const PRICE = 100;
export const FUNDING = 1_000;

export interface Outcome {
  load: LoadResult;
  paid: number;
  /** Refusals by problem type (its last segment), e.g. sold-out. */
  refused: Map<string, number>;
  firstRefusals: string[];
  /** From the first order sent to the last 201 answered. */
  soldOutMs: number;
}

const shuffle = <T>(items: T[]): T[] => {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
};

/** Every buyer's order queued at once; `ORDER_CONNECTIONS` connections drain them. */
export const rush = async (url: string, productId: string, buyers: string[], tokens: Map<string, string>): Promise<Outcome> => {
  const outcome: Outcome = { load: undefined!, paid: 0, refused: new Map(), firstRefusals: [], soldOutMs: 0 };
  const order = shuffle([...buyers]);
  const body = JSON.stringify({ productId, quantity: 1, expectedPrice: PRICE });
  let next = 0;
  const started = performance.now();
  outcome.load = await runLoad({
    url,
    connections: Math.min(ORDER_CONNECTIONS, order.length),
    amount: order.length,
    timeoutS: 30,
    next: () => {
      const buyer = order[next++]!;
      return { method: 'POST', path: '/v1/orders', headers: { authorization: tokens.get(buyer)!, 'idempotency-key': randomUUID() }, body };
    },
    onResponse: (status, text) => {
      if (status === 201) {
        outcome.paid++;
        outcome.soldOutMs = performance.now() - started;
        return;
      }
      let type = `status-${status}`;
      try {
        type = String((JSON.parse(text) as { type?: string }).type ?? type)
          .split('/')
          .pop()!;
      } catch {
        // Not JSON: keep the status.
      }
      outcome.refused.set(type, (outcome.refused.get(type) ?? 0) + 1);
      if (outcome.firstRefusals.length < 3 && type !== 'sold-out') outcome.firstRefusals.push(`${status} ${text.slice(0, 200)}`);
    },
  });
  if (next !== order.length) throw new Error(`flash sale sent ${next} orders of ${order.length}`);
  return outcome;
};

const drainS = (outcome: Outcome): number => Math.round(outcome.load.elapsedMs) / 1000;
const ordersPerS = (outcome: Outcome, n: number): number => Math.round(n / (outcome.load.elapsedMs / 1000));
export const describeOutcome = (name: string, outcome: Outcome, n: number): string => {
  const latency = spread(outcome.load.allLatencies);
  return (
    `${name}: ${n} buyers answered in ${drainS(outcome)} s (${ordersPerS(outcome, n)} answers/s), sold out after ${Math.round(outcome.soldOutMs)} ms, ` +
    `${outcome.paid} paid; answers ${describeStatuses(outcome.load.byStatus)}; ${outcome.load.timeouts} timeouts, ${outcome.load.errors} connection errors; ` +
    `answer time p50 ${roundMs(latency.p50)} ms, p99 ${roundMs(latency.p99)} ms` +
    (outcome.firstRefusals.length > 0 ? `; unexpected refusals: ${outcome.firstRefusals.join(' | ')}` : '')
  );
};

/** The naive app's product: listed straight into its schema, as Zan's list handler would leave it. */
const seedNaiveProduct = async (events: PostgresEventStore, productId: string, merchantId: string): Promise<void> => {
  const decided = productDecider.decide(
    { type: 'ListProduct', data: { productId, merchantId, merchantName: merchantId, title: '限量手机', price: PRICE, stock: STOCK } },
    productDecider.initialState,
  );
  const stored: NewEvent[] = decided.map((event) => {
    const id = randomUUID();
    return {
      id,
      type: event.type,
      version: currentVersion(event.type),
      data: event.data,
      metadata: { correlationId: id, causationId: id, userId: merchantId },
      occurredAt: new Date().toISOString(),
    };
  });
  await events.sql.transaction((tx) => events.eventStore.appendWithin(tx, productStream(productId), stored, 'no_stream'));
};

export const run: Scenario = async (context: BenchContext): Promise<ScenarioResult> => {
  const { scale, log } = context;
  const { databaseUrl } = serversOf(context);
  const figures: Figure[] = [];
  const baselines: Baseline[] = [];
  const checks: ScenarioResult['checks'] = [];
  const notes: string[] = [];
  const runId = Date.now().toString(36);
  const merchant = `flash-shop-${runId}`;
  const buyers = Array.from({ length: Math.max(1_000, Math.round(10_000 * scale)) }, (_, i) => `buyer${i}-${runId}`);
  const tokens = new Map(buyers.map((userId) => [userId, bearer(userId)]));
  const wallets: SeedWallet[] = [{ userId: merchant, merchant: true }, ...buyers.map((userId) => ({ userId, funding: FUNDING }))];
  let latency: ScenarioResult['latency'];

  log(`flash-sale: ${buyers.length} buyers, ${STOCK} units; starting the stack`);
  const stack = await startStack(context, 'flash', { wallets });
  try {
    const listed = await fetch(`${stack.apiUrl}/v1/merchants/me/products`, {
      method: 'POST',
      headers: { authorization: bearer(merchant), 'content-type': 'application/json', 'idempotency-key': randomUUID() },
      body: JSON.stringify({ title: '限量手机', price: PRICE, stock: STOCK }),
    });
    if (listed.status !== 201) throw new Error(`listing the product answered ${listed.status} ${await listed.text()}`);
    const { productId } = (await listed.json()) as { productId: string };

    // A sale opens on a running system: the buyers' wallets were funded long before. Seeded a moment
    // ago, their events (four or five a buyer) would still be on their way through the relay, the
    // projector and the credits, and the rush would measure that catch-up too.
    await stack.quiet(180_000);
    log(`flash-sale: ${buyers.length} buyers at once on ${STOCK} units`);
    const split = await apiTimeSplit(stack.apiUrl);
    const commits = await pgCommits(databaseUrl);
    const cpu = cpuMeter(stack.pids());
    const zan = await rush(stack.apiUrl, productId, buyers, tokens);
    notes.push(`Zan ${describeCpu(cpu.stop())}; PostgreSQL commits ${await commits.stop()} (database-wide)`);
    notes.push(`Zan ${await split.describe()}`);
    log(`flash-sale: ${describeOutcome('Zan', zan, buyers.length)}`);
    notes.push(describeOutcome('Zan', zan, buyers.length));
    const spreadZan = spread(zan.load.allLatencies);
    latency = {
      label: `order, ${buyers.length} buyers on ${STOCK} units (Zan)`,
      p50: roundMs(spreadZan.p50),
      p99: roundMs(spreadZan.p99),
      p999: roundMs(spreadZan.p999),
    };
    figures.push(
      {
        key: 'flash_sale_answered_s',
        label: `${STOCK} units, ${buyers.length} buyers: sold out and every buyer answered`,
        value: drainS(zan),
        unit: 's',
        better: 'lower',
        target: 2,
      },
      { key: 'flash_sale_sold_out_s', label: 'time to the last paid order', value: Math.round(zan.soldOutMs) / 1000, unit: 's', better: 'lower' },
      {
        key: 'flash_sale_answers_per_s',
        label: 'buyers answered per second (paid and sold out)',
        value: ordersPerS(zan, buyers.length),
        unit: 'ops/s',
        better: 'higher',
      },
      { key: 'flash_sale_p99_ms', label: 'order answer time p99, flash sale', value: roundMs(spreadZan.p99), unit: 'ms', better: 'lower' },
    );
    const soldOut = zan.refused.get('sold-out') ?? 0;
    checks.push({ label: `exactly ${STOCK} orders paid (201)`, ok: zan.paid === STOCK && zan.load.byStatus[201] === STOCK, detail: `${zan.paid} paid` });
    checks.push({
      label: 'every other buyer refused cleanly: 410 sold-out',
      ok: soldOut === buyers.length - STOCK && zan.load.byStatus[410] === soldOut && zan.load.timeouts + zan.load.errors === 0,
      detail: `${soldOut} sold-out; answers ${describeStatuses(zan.load.byStatus)}; ${zan.load.timeouts} timeouts, ${zan.load.errors} errors`,
    });
    const reservations = (await stack.events.eventStore.readStream(productStream(productId), { fromRevision: 0 }))
      .filter((e) => e.type === 'ProductStockReserved')
      .map((e) => (e.data as ProductStockReserved).stockLeft ?? 0);
    checks.push({
      label: `the product's stream: ${STOCK} units taken, the stock counting down to 0, never below`,
      ok: reservations.length === STOCK && reservations.every((left, i) => left === STOCK - 1 - i),
      detail: `${reservations.length} ProductStockReserved, last stockLeft ${reservations[reservations.length - 1]}`,
    });

    log('flash-sale: waiting for the credits, the relay and the projector to catch up');
    const quiet = await stack.quiet(180_000).then(
      () => true,
      (error: Error) => {
        checks.push({ label: 'the system went quiet after the sale', ok: false, detail: error.message });
        return false;
      },
    );
    if (quiet) {
      const credited = await eventTotals(stack.events, 'OrderPaymentReceived');
      checks.push({
        label: 'every paid order credited the merchant once',
        ok: credited.count === STOCK && credited.amount === STOCK * PRICE,
        detail: `${credited.count} credits, ${credited.amount} fen`,
      });
      const audit = auditLedger(await readAllEvents(stack.events.eventStore));
      checks.push({
        label: 'the money equation is exact (zan audit over the whole log)',
        ok: audit.problems.length === 0 && audit.inFlight === 0 && audit.ordersPaid === STOCK * PRICE,
        detail: `${audit.problems.length} problems${audit.problems.length > 0 ? ` (${audit.problems.slice(0, 2).join('; ')})` : ''}, ${audit.inFlight} fen in flight, ${audit.ordersPaid} fen of orders paid`,
      });
      const shop = await stack.readModels.wallet(merchant);
      checks.push({ label: "the merchant's wallet (read model) holds exactly the sales", ok: shop?.balance === STOCK * PRICE, detail: `${shop?.balance} fen` });
    }
  } finally {
    await stack.close();
  }

  log('flash-sale: the naive @nestjs/cqrs baseline');
  const naiveProduct = randomUUID();
  const naive = await startNaive(context, 'flash', async (events) => {
    await seedWallets(events, wallets);
    await seedNaiveProduct(events, naiveProduct, merchant);
  });
  try {
    const cpu = cpuMeter({ naive: naive.pid });
    const outcome = await rush(naive.url, naiveProduct, buyers, tokens);
    notes.push(`naive ${describeCpu(cpu.stop())}`);
    notes.push(describeOutcome('naive', outcome, buyers.length));
    const stored = await eventTotals(naive.events, 'ProductStockReserved', productStream(naiveProduct));
    notes.push(`naive stored ${stored.count} reservations; orders that lost 25 conflicts in a row answer 503 there (no per-stream queue)`);
    baselines.push(
      {
        key: 'naive_cqrs_flash_answered',
        label: 'naive @nestjs/cqrs handler: every buyer answered',
        kind: 'naive',
        value: drainS(outcome),
        unit: 's',
        compares: 'flash_sale_answered_s',
      },
      {
        key: 'naive_cqrs_flash_answers',
        label: 'naive @nestjs/cqrs handler: buyers answered per second',
        kind: 'naive',
        value: ordersPerS(outcome, buyers.length),
        unit: 'ops/s',
        compares: 'flash_sale_answers_per_s',
      },
    );
  } finally {
    await naive.close();
  }

  return {
    id: 'flash-sale',
    title: 'Flash sale through HTTP: 10,000 buyers on 100 units',
    setup:
      `one product of ${STOCK} units at ${PRICE} fen, ${buyers.length} distinct buyers funded ${FUNDING} fen each, every order queued at once and drained by ` +
      `${ORDER_CONNECTIONS} connections (autocannon), each with its own token and Idempotency-Key; api, relay and projector as processes.`,
    figures,
    baselines,
    checks,
    notes,
    latency,
  };
};

runAlone(module, run);
