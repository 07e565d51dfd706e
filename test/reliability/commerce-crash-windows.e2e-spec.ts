import { join } from 'node:path';
import type { StoredEvent } from '@zan/contracts';
import { createPostgresEventStore, type PostgresEventStore } from '@zan/event-store';
import { eventually } from '../support/eventually';
import { auditWhenQuiet } from '../support/quiet-ledger';
import { type SetupSend, prepareStormUser, verificationBodyOf } from '../support/identity';
import { type AppProcess, startApp } from '../support/processes';
import { readAllEvents } from '../support/read-model-snapshot';
import { dropIsolated, fullStackEnv } from '../support/stacks';
import { NO_SPENDING_LIMITS } from '../support/spending-limits';
import { type StormCall, sendOnce } from '../support/storm';
import { TEST_JWT_SECRET, tokenFor } from '../support/tokens';

const LISTENING = /zan api: listening on (http:\/\/127\.0\.0\.1:\d+)/;
const CRASH = join(__dirname, '../support/crash-after-append.js');

/**
 * The only api process is SIGKILLed right after one precise append of a commerce command
 * (its answer lost), a fresh one starts, and the client retries with the same Idempotency-Key.
 */
describe('commerce: the api SIGKILLed right after each step of a saga', () => {
  const env: Record<string, string> = {
    ...fullStackEnv('comwin'),
    ZAN_RATE_LIMIT_PER_MINUTE: '0',
    ZAN_QUERY_RATE_LIMIT_PER_MINUTE: '0',
    ...NO_SPENDING_LIMITS,
    ZAN_RED_PACKET_TTL_SECONDS: '3',
  };
  let api: AppProcess | undefined;
  let base = '';
  let pg: PostgresEventStore;
  const users = ['ana', 'ben', 'cai', 'mer'];
  const tokens = new Map(users.map((u) => [u, tokenFor(u, TEST_JWT_SECRET)]));

  const start = async (crashAfter?: string) => {
    api = await startApp('api', { ...env, ...(crashAfter && { ZAN_CRASH_AFTER_TYPE: crashAfter, NODE_OPTIONS: `--require ${CRASH}` }) }, LISTENING);
    base = LISTENING.exec(api.output())![1]!;
  };
  const call = async (userId: string, path: string, body: object | undefined, key: string): Promise<StormCall> => {
    const c: StormCall = { path, userId, key, body, status: 0 };
    await sendOnce(base, tokens.get(userId)!, c, 15_000);
    return c;
  };
  /** Retried by key as a client would, through "request in progress". */
  const retry = async (c: StormCall) => {
    for (let i = 0; i < 40; i++) {
      await sendOnce(base, tokens.get(c.userId)!, c, 15_000);
      if (c.status !== 0 && c.status < 500 && !String(c.answer?.type).endsWith('request-in-progress')) return c;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    return c;
  };
  /** Sends `path` on an api that dies right after storing `type`; restarts a sound one and retries. */
  const crashing = async (type: string, userId: string, path: string, body: object | undefined, key: string) => {
    await api?.kill('SIGKILL');
    await start(type);
    const first = await call(userId, path, body, key);
    await eventually(`the api to die after ${type}`, async () => api!.child.exitCode !== null || api!.child.signalCode !== null, 15_000);
    expect({ type, crashed: /crash-after-append/.test(api!.output()), status: first.status }).toEqual({ type, crashed: true, status: 0 });
    await start();
    return retry(first);
  };

  beforeAll(async () => {
    await start();
    pg = await createPostgresEventStore({ connectionString: env.ZAN_EVENT_STORE!, schema: env.ZAN_PG_SCHEMA });
  }, 120_000);

  afterAll(async () => {
    await api?.kill('SIGKILL');
    await pg?.eventStore.close();
    if (!process.env.KEEP) await dropIsolated(env);
  }, 60_000);

  it('answers every retry as the stored effect, once, and leaves the ledger exact', async () => {
    const sendSetup: SetupSend = async (userId, path, body, key) => (await retry({ path, userId, key, body, status: 0 })).status;
    for (const user of ['ana', 'ben', 'cai']) await prepareStormUser(sendSetup, user, { funding: 100_000, articles: user === 'cai' ? 1 : 0 });
    expect(await sendSetup('mer', '/v1/wallets', { kind: 'business' }, 'w')).toBe(201);
    expect(await sendSetup('mer', '/v1/wallets/me/verification', verificationBodyOf('mer', 'business'), 'v')).toBe(201);
    expect(await sendSetup('mer', '/v1/wallets/me/cards', { cardId: 'card-mer', holderName: 'x' }, 'c')).toBe(201);
    expect(await sendSetup('mer', '/v1/wallets/me/fundings', { amount: 50_000, cardId: 'card-mer' }, 'f')).toBe(201);
    const product = (await retry({ path: '/v1/merchants/me/products', userId: 'mer', key: 'p', body: { title: 't', price: 500, stock: 10 }, status: 0 }))
      .answer!.productId as string;

    const answers: Record<string, StormCall> = {};
    // Orders: after the reservation, after the payment.
    answers.reserved = await crashing('ProductStockReserved', 'ana', '/v1/orders', { productId: product, quantity: 2, expectedPrice: 500 }, 'o1');
    answers.placed = await crashing('OrderPlaced', 'ben', '/v1/orders', { productId: product, quantity: 1, expectedPrice: 500 }, 'o2');
    const order1 = answers.reserved.answer!.orderId as string;
    // Refunds: after the request, after the merchant's debit.
    answers.refundRequested = await crashing('OrderRefundRequested', 'mer', `/v1/orders/${order1}/refunds`, { amount: 300 }, 'r1');
    answers.refunded = await crashing('OrderRefunded', 'mer', `/v1/orders/${order1}/refunds`, { amount: 400 }, 'r2');
    // Payment codes: after issuing, after the payer's debit, after the redemption.
    answers.issued = await crashing('PaymentCodeIssued', 'mer', '/v1/merchants/me/payment-codes', { amount: 777, expiresInSeconds: 60 }, 'pc1');
    const code = answers.issued.answer!.code as string;
    answers.paid = await crashing('MerchantPaid', 'cai', '/v1/payments', { code }, 'pay1');
    const code2 = (await retry({ path: '/v1/merchants/me/payment-codes', userId: 'mer', key: 'pc2', body: { amount: 555, expiresInSeconds: 60 }, status: 0 }))
      .answer!.code as string;
    answers.redeemed = await crashing('PaymentCodeRedeemed', 'ana', '/v1/payments', { code: code2 }, 'pay2');
    // Group buys: after opening (before its timer is set inline), after a hold, after the completing join.
    answers.opened = await crashing(
      'GroupBuyOpened',
      'mer',
      '/v1/merchants/me/group-buys',
      { productId: product, groupPrice: 300, groupSize: 2, expiresInSeconds: 25 },
      'g1',
    );
    const group1 = answers.opened.answer!.groupBuyId as string;
    answers.held = await crashing('GroupBuyFundsHeld', 'ana', `/v1/group-buys/${group1}/joins`, undefined, 'j1');
    const group2 = (
      await retry({
        path: '/v1/merchants/me/group-buys',
        userId: 'mer',
        key: 'g2',
        body: { productId: product, groupPrice: 200, groupSize: 2, expiresInSeconds: 60 },
        status: 0,
      })
    ).answer!.groupBuyId as string;
    expect((await retry({ path: `/v1/group-buys/${group2}/joins`, userId: 'ben', key: 'j2', status: 0 })).status).toBe(201);
    answers.completed = await crashing('GroupBuyCompleted', 'cai', `/v1/group-buys/${group2}/joins`, undefined, 'j3');
    // Red packets: after the send (before its escrow).
    answers.sent = await crashing('RedPacketSent', 'ben', '/v1/red-packets', { amount: 900, shares: 3, mode: 'lucky' }, 'rp1');
    // A tip, whose key its append takes with the tip (no record before it): after that append.
    answers.tipped = await crashing('TipPraised', 'ana', '/v1/tips', { authorId: 'cai', articleId: 'cai-a-0', amount: 500 }, 't1');

    const statuses = Object.fromEntries(Object.entries(answers).map(([k, c]) => [k, c.status]));
    expect(statuses).toEqual(Object.fromEntries(Object.keys(answers).map((k) => [k, 201])));

    // Group 1 has one member and must fail at its deadline (its timer survived the crash), packets expire.
    const result = await auditWhenQuiet(pg.eventStore, { what: 'the ledger quiet', timeoutMs: 90_000 });
    expect(result.ledger.findings).toEqual([]);
    expect(result.ledger.conservation()).toEqual(expect.objectContaining({ inFlight: 0, held: 0, holds: true }));
    const events = await readAllEvents(pg.eventStore);
    const of = (type: string) => events.filter((e) => e.type === type) as StoredEvent<Record<string, unknown>>[];
    expect(of('GroupBuyFailed').map((e) => e.data.groupBuyId)).toEqual([group1]);
    expect(of('GroupBuyCompleted').map((e) => e.data.groupBuyId)).toEqual([group2]);
    expect(of('RedPacketExpired')).toHaveLength(1);
    expect(
      of('OrderOpened')
        .map((e) => e.data.orderId)
        .sort(),
    ).toEqual([order1, answers.placed.answer!.orderId, ...(of('GroupBuyCompleted')[0]!.data.members as { joinId: string }[]).map((m) => m.joinId)].sort());
    expect(of('OrderRefunded').map((e) => e.data.amount)).toEqual([300, 400]);
    expect(of('PaymentCodeRedeemed')).toHaveLength(2);
    expect(of('MerchantPaymentReturned')).toHaveLength(0);
    expect(of('TipPraised').map((e) => e.data.tipId)).toEqual([answers.tipped.answer!.tipId]);
    expect(of('TipReceived')).toHaveLength(1);
  }, 400_000);
});
