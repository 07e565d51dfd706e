import Redis from 'ioredis';
import type { StoredEvent } from '@zan/contracts';
import { createPostgresEventStore, type PostgresEventStore } from '@zan/event-store';
import { loadConfig } from '@zan/platform';
import { type ReadModelStore, RedisReadModelStore } from '@zan/read-models';
import { eventually } from '../support/eventually';
import { auditWhenQuiet } from '../support/quiet-ledger';
import { type SetupSend, prepareStormUser, verificationBodyOf } from '../support/identity';
import { type AppProcess, startApp } from '../support/processes';
import { liveAndReplayed, readAllEvents, replayEvents } from '../support/read-model-snapshot';
import { dropIsolated, fullStackEnv } from '../support/stacks';
import { NO_SPENDING_LIMITS } from '../support/spending-limits';
import { type StormCall } from '../support/storm';
import { TEST_JWT_SECRET, tokenFor } from '../support/tokens';
import { apiReplicas } from '../support/replicas';

const REACTING = /reacting from position/;

/**
 * Commerce under SIGKILL: orders (a small stock and an unlimited one), refunds (partial,
 * full, racing), payments by dynamic code (two payers racing), group buys with short deadlines and
 * red packets, on two api replicas, a relay and a projector as processes. The leader is killed
 * mid-storm, the relay and the projector too, then the last api with groups and packets open;
 * nothing runs past their deadlines; a fresh api starts and every unanswered request is retried by key.
 */
describe('commerce: api, relay and projector SIGKILLed mid-storm', () => {
  const env: Record<string, string> = {
    ...fullStackEnv('comkill'),
    ZAN_RATE_LIMIT_PER_MINUTE: '0',
    ZAN_QUERY_RATE_LIMIT_PER_MINUTE: '0',
    ...NO_SPENDING_LIMITS,
    ZAN_RED_PACKET_TTL_SECONDS: '4',
  };
  let pg: PostgresEventStore;
  let redis: Redis;
  let relay: AppProcess;
  let projector: AppProcess;

  const buyers = ['ana', 'ben', 'cai', 'dee', 'eli'];
  const MERCHANT = 'mer';
  const tokens = new Map([...buyers, MERCHANT].map((u) => [u, tokenFor(u, TEST_JWT_SECRET)]));
  const { apps, live, start: startApi, kill, attempt, settled, send } = apiReplicas(env, tokens);
  const get = async (userId: string, path: string) => {
    const base = [...live.values()][0]!;
    const response = await fetch(`${base}${path}`, { headers: { Authorization: `Bearer ${tokens.get(userId)!}` } });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    await startApi();
    await eventually('the first replica to lead', async () => REACTING.test(apps[0]!.output()), 30_000);
    await startApi();
    relay = await startApp('relay', env, /relaying from position/);
    projector = await startApp('projector', env, /health and metrics on http:/);
    apps.push(relay, projector);
    pg = await createPostgresEventStore({ connectionString: env.ZAN_EVENT_STORE!, schema: env.ZAN_PG_SCHEMA });
    redis = new Redis(env.REDIS_URL!);
  }, 180_000);

  afterAll(async () => {
    await Promise.allSettled(apps.map((app) => app.kill('SIGKILL')));
    await pg?.eventStore.close();
    await redis?.quit();
    if (!process.env.KEEP) await dropIsolated(env);
  }, 60_000);

  it('keeps every fen, sells no unit twice, closes every group once, and its read models equal a replay', async () => {
    const FUNDING = 200_000;
    const sendSetup: SetupSend = async (userId, path, body, key) => {
      const call = { path, userId, key, body, status: 0 };
      await send(call);
      return call.status;
    };
    for (const user of buyers) await prepareStormUser(sendSetup, user, { funding: FUNDING, articles: 0 });
    expect(await sendSetup(MERCHANT, '/v1/wallets', { kind: 'business' }, 'w-mer')).toBe(201);
    expect(await sendSetup(MERCHANT, '/v1/wallets/me/verification', verificationBodyOf(MERCHANT, 'business'), 'v-mer')).toBe(201);
    expect(await sendSetup(MERCHANT, '/v1/wallets/me/cards', { cardId: 'card-mer', holderName: 'mer有限公司' }, 'c-mer')).toBe(201);
    expect(await sendSetup(MERCHANT, '/v1/wallets/me/fundings', { amount: FUNDING, cardId: 'card-mer' }, 'f-mer')).toBe(201);
    const list = async (body: object, key: string) => {
      const call: StormCall = { path: '/v1/merchants/me/products', userId: MERCHANT, key, body, status: 0 };
      await send(call);
      expect(call.status).toBe(201);
      return call.answer!.productId as string;
    };
    const STOCK = 40;
    const scarce = await list({ title: 'scarce', price: 300, stock: STOCK }, 'p-scarce');
    const plenty = await list({ title: 'plenty', price: 120, stock: null }, 'p-plenty');

    const calls: StormCall[] = [];
    const orders: { orderId: string; amount: number }[] = [];
    const codes: string[] = [];
    const groups: string[] = [];
    const packets: string[] = [];
    let next = 0;
    const nextCall = (): StormCall => {
      const i = next++;
      const buyer = buyers[i % buyers.length]!;
      const call = (userId: string, path: string, body?: object): StormCall => ({ path, userId, key: `k-${i}`, body, status: 0 });
      const kind = i % 12;
      if (kind < 2) return call(buyer, '/v1/orders', { productId: scarce, quantity: 1 + (i % 2), expectedPrice: 300 });
      if (kind < 3) return call(buyer, '/v1/orders', { productId: plenty, quantity: 1, expectedPrice: 120 });
      if (kind < 5 && orders.length > 0) {
        const order = orders[(i * 7) % orders.length]!;
        return call(MERCHANT, `/v1/orders/${order.orderId}/refunds`, { amount: kind === 3 ? Math.ceil(order.amount / 2) : order.amount });
      }
      if (kind < 6) return call(MERCHANT, '/v1/merchants/me/payment-codes', { amount: 200 + (i % 50), expiresInSeconds: 3 });
      if (kind < 7 && codes.length > 0) {
        const code = codes[codes.length - 1 - (i % 2)] ?? codes[0]!;
        return call(buyer, '/v1/payments', { code });
      }
      if (kind < 8 || groups.length === 0)
        return call(MERCHANT, '/v1/merchants/me/group-buys', { productId: plenty, groupPrice: 90, groupSize: 2 + (i % 2), expiresInSeconds: 3 + (i % 3) });
      if (kind < 10) return call(buyer, `/v1/group-buys/${groups[groups.length - 1 - (i % Math.min(3, groups.length))]}/joins`);
      if (kind < 11 || packets.length === 0) return call(buyer, '/v1/red-packets', { amount: 100 + (i % 900), shares: 1 + (i % 3), mode: 'lucky' });
      return call(buyer, `/v1/red-packets/${packets[(i * 3) % packets.length]}/claims`);
    };
    const record = (c: StormCall) => {
      if (c.status !== 201) return;
      if (c.path === '/v1/orders') orders.push({ orderId: c.answer!.orderId as string, amount: c.answer!.amount as number });
      if (c.path === '/v1/merchants/me/payment-codes') codes.push(c.answer!.code as string);
      if (c.path === '/v1/merchants/me/group-buys') groups.push(c.answer!.groupBuyId as string);
      if (c.path === '/v1/red-packets') packets.push(c.answer!.redPacketId as string);
    };
    const storm = async (stop: () => boolean, retry = true) =>
      Promise.all(
        Array.from({ length: 8 }, async () => {
          while (!stop()) {
            const c = nextCall();
            calls.push(c);
            if (retry) await send(c);
            else await attempt(c);
            record(c);
          }
        }),
      );
    const answered = () => calls.filter((c) => c.status !== 0).length;

    // 1. The leader dies mid-storm, and the relay and the projector with it; they come back.
    const [leader, standby] = [apps[0]!, apps[1]!];
    let killed = false;
    await storm(() => {
      if (!killed && answered() >= 80) {
        killed = true;
        void kill(leader);
        void relay.kill('SIGKILL');
        void projector.kill('SIGKILL');
      }
      return answered() >= 220;
    });
    relay = await startApp('relay', env, /relaying from position/);
    projector = await startApp('projector', env, /health and metrics on http:/);
    apps.push(relay, projector);
    await eventually('the standby to lead the credits', async () => REACTING.test(standby.output()), 30_000);

    // 2. More storm, then the standby dies with groups, codes and packets open; nothing runs past their deadlines.
    await storm(() => {
      if (answered() >= 320 && live.size > 0) void kill(standby);
      return live.size === 0;
    }, false);
    await new Promise((resolve) => setTimeout(resolve, 7_000));
    await startApi();
    for (const c of calls.filter((x) => !settled(x))) {
      await send(c);
      record(c);
    }
    expect(calls.filter((c) => !settled(c)).map((c) => `${c.path} ${c.status} ${JSON.stringify(c.answer)}`)).toEqual([]);

    // Quiet: every group closed (a group opened by a late retry closes seconds after the others, and
    // an empty one holds nothing the audit would wait for), every hold settled, every credit made.
    const closed = (all: StoredEvent[]) => new Set(all.filter((e) => e.type === 'GroupBuyCompleted' || e.type === 'GroupBuyFailed').map((e) => e.streamId));
    const result = await auditWhenQuiet(pg.eventStore, {
      what: 'every group closed and the audit to find the ledger quiet',
      timeoutMs: 60_000,
      ready: async () => {
        const stored = closed(await readAllEvents(pg.eventStore));
        return groups.every((groupBuyId) => stored.has(`group-buy-${groupBuyId}`));
      },
    });
    expect(result.ledger.findings).toEqual([]);
    expect(result.ledger.conservation()).toEqual(expect.objectContaining({ inFlight: 0, held: 0, holds: true }));

    const events = await readAllEvents(pg.eventStore);
    const ofType = (type: string) => events.filter((e) => e.type === type) as StoredEvent<Record<string, unknown>>[];
    // Every group closed exactly once.
    for (const groupBuyId of groups) {
      const closing = events.filter((e) => e.streamId === `group-buy-${groupBuyId}` && (e.type === 'GroupBuyCompleted' || e.type === 'GroupBuyFailed'));
      expect({ groupBuyId, closings: closing.length }).toEqual({ groupBuyId, closings: 1 });
    }
    // Every hold credited exactly once, to one side (found by its join: the settling event is the cause).
    const holds = ofType('GroupBuyFundsHeld').map((e) => e.id);
    const holdOfJoin = new Map(ofType('GroupBuyFundsHeld').map((e) => [e.data.joinId as string, e.id]));
    const settledHolds = new Map<string, number>();
    for (const e of [...ofType('GroupBuyPaymentReceived'), ...ofType('GroupBuyFundsReturned')]) {
      const hold = holdOfJoin.get((e.data.joinId ?? e.data.orderId) as string);
      if (hold) settledHolds.set(hold, (settledHolds.get(hold) ?? 0) + 1);
    }
    expect(holds.filter((h) => settledHolds.get(h) !== 1)).toEqual([]);
    // One effect per key.
    const perKey = new Map<string, number>();
    for (const e of events) {
      const key = e.metadata.idempotencyKey;
      if (!key || !['OrderPlaced', 'OrderRefundRequested', 'MerchantPaid', 'GroupBuyFundsHeld', 'RedPacketSent', 'RedPacketClaimed'].includes(e.type)) continue;
      const id = `${e.type}/${e.metadata.userId}/${key}`;
      perKey.set(id, (perKey.get(id) ?? 0) + 1);
    }
    expect([...perKey].filter(([, n]) => n > 1)).toEqual([]);
    // A dynamic code paid once at most.
    const redeemed = ofType('PaymentCodeRedeemed').map((e) => e.data.codeId as string);
    expect(redeemed.length).toBe(new Set(redeemed).size);
    // Never oversold: the scarce product's stock replayed.
    const reservedUnits = ofType('ProductStockReserved')
      .filter((e) => e.data.productId === scarce)
      .reduce((s, e) => s + (e.data.quantity as number), 0);
    const releasedUnits = ofType('ProductStockReleased')
      .filter((e) => e.data.productId === scarce)
      .reduce((s, e) => s + (e.data.quantity as number), 0);
    expect(reservedUnits - releasedUnits).toBeLessThanOrEqual(STOCK);
    const placedUnits = ofType('OrderPlaced')
      .filter((e) => e.data.productId === scarce)
      .reduce((s, e) => s + (e.data.quantity as number), 0);
    expect(placedUnits).toBe(reservedUnits - releasedUnits);

    // Read models: wallets, packets, feeds and the commerce views equal a replay.
    const config = loadConfig(env);
    const store = new RedisReadModelStore({ redis, prefix: env.ZAN_REDIS_PREFIX, feedLength: config.feedLength, generationCacheMs: 0 });
    const { live: projected, replayed } = await liveAndReplayed(pg.eventStore, store, { feedLength: config.feedLength, timeoutMs: 60_000 });
    expect(projected).toEqual(replayed);
    const replay = await replayEvents(events, { feedLength: config.feedLength });
    const commerce = async (s: ReadModelStore) => {
      const allOrders = async (of: { buyerId: string } | { merchantId: string }) => {
        const items = [];
        let before: string | undefined;
        for (;;) {
          const page = await s.orders(of, { limit: 100, before });
          items.push(...page.items);
          if (!page.nextCursor) return items;
          before = page.nextCursor;
        }
      };
      return {
        products: [await s.product(scarce), await s.product(plenty)],
        groups: await Promise.all(groups.map((g) => s.groupBuy(g))),
        merchantOrders: await allOrders({ merchantId: MERCHANT }),
        buyerOrders: await Promise.all(buyers.map((b) => allOrders({ buyerId: b }))),
        sales: await s.sales(MERCHANT, '2026-01-01', '2026-12-31'),
      };
    };
    expect(await commerce(store)).toEqual(await commerce(replay));
    const card = (await get(MERCHANT, `/v1/products/${scarce}`)).body;
    console.log(
      `commerce kill: ${calls.length} calls, ${orders.length} orders, ${groups.length} groups, ${codes.length} codes, ${packets.length} packets, ${events.length} events; card ${JSON.stringify(card)}; statuses ${JSON.stringify(
        calls.reduce<Record<string, number>>(
          (m, c) => ((m[`${c.path.split('/')[2]}:${c.status}`] = (m[`${c.path.split('/')[2]}:${c.status}`] ?? 0) + 1), m),
          {},
        ),
      )}`,
    );
  }, 400_000);
});
