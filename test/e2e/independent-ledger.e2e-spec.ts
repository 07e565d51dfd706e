import { randomUUID } from 'node:crypto';
import { EVENT_STORE, type EventStore } from '@zan/event-store';
import { ManualClock, seededRandom } from '@zan/platform';
import { ExpiryScheduler } from '../../apps/api/src/process-managers/expiry.scheduler';
import { audit } from '../../apps/cli/src/audit/audit';
import { runZan } from '../cli/cli-harness';
import { eventually } from '../support/eventually';
import { type Client, clientFor, fundedUser, publishArticle } from '../support/http-client';
import { conservationGap, parseCsvExport, parseExport, reconstructLedger } from '../support/independent-ledger';
import { startFullStackInProcess } from '../support/stacks';

jest.setTimeout(240_000);

type Answer = { status: number; body: Record<string, unknown> };
const latest = (answers: Answer[]): string =>
  answers.map((a) => (typeof a.body?.position === 'string' ? a.body.position : '0')).reduce((a, b) => (/^\d+$/.test(b) && BigInt(b) > BigInt(a) ? b : a), '0');

/**
 * A mixed workload over HTTP on the full stack (PostgreSQL, Kafka, Redis), then three views of every
 * wallet compared: a ledger rebuilt from `zan events export` by CONTRACT.md's rules alone
 * (test/support/independent-ledger.ts, no code shared with Zan's audit), the balance query, and
 * `zan audit`. Every money route is in it, with retries under one Idempotency-Key and concurrent
 * duplicates; money held by an open packet and an open group buy must be counted exactly once.
 */
describe('an independent ledger agrees with the balance query and zan audit (full stack)', () => {
  const clock = new ManualClock(new Date('2026-05-01T02:00:00Z'));
  let zan: Awaited<ReturnType<typeof startFullStackInProcess>>;
  const answers: Answer[] = [];
  const users = new Set<string>();

  beforeAll(async () => {
    zan = await startFullStackInProcess('ledger', { clock, random: seededRandom(11) });
  }, 120_000);
  afterAll(async () => {
    await zan?.close();
  }, 60_000);

  const record = async (pending: PromiseLike<{ status: number; body: unknown }>, allowed: number[]): Promise<Answer> => {
    const answer = (await pending) as Answer;
    if (!allowed.includes(answer.status)) throw new Error(`answered ${answer.status} ${JSON.stringify(answer.body)}, expected one of ${allowed.join(', ')}`);
    answers.push(answer);
    return answer;
  };
  /** Waits until the read models show the wallet at `balance` (credits are appended after the command answers). */
  const walletReaches = (client: Client, balance: number) =>
    eventually(`${client.userId} at ${balance} fen`, async () => (await client.get('/v1/wallets/me')).body.balance === balance, 30_000);
  const user = async (id: string, amount: number, kind: 'individual' | 'business' = 'individual'): Promise<Client> => {
    users.add(id);
    const { client } = await fundedUser(zan.app, id, amount, kind);
    return client;
  };
  /** The same request sent `n` times at once under one key: one effect, the others its answer (or 409 while it runs). */
  const duplicates = async (client: Client, path: string, body: object | undefined, key: string, n = 4): Promise<Answer> => {
    const all = await Promise.all(Array.from({ length: n }, () => client.post(path, body, key)));
    const ok = all.filter((a) => a.status === 201);
    expect(all.map((a) => a.status).filter((s) => s !== 201 && s !== 409)).toEqual([]);
    expect(ok.length).toBeGreaterThan(0);
    for (const a of ok) expect(a.body).toEqual(ok[0]!.body);
    // And once more, after: the first answer again.
    const again = await client.post(path, body, key);
    expect({ status: again.status, body: again.body }).toEqual({ status: 201, body: ok[0]!.body });
    answers.push(ok[0] as Answer);
    return ok[0] as Answer;
  };

  it('runs the workload and every view of every wallet agrees', async () => {
    const [ann, bob, cat, dan, eve] = await Promise.all(['l-ann', 'l-bob', 'l-cat', 'l-dan', 'l-eve'].map((id) => user(id, 200_000)));
    const shop = await user('l-shop', 0, 'business');
    const cafe = await user('l-cafe', 0, 'business');
    const admin = clientFor(zan.app, 'l-ops', { roles: ['admin'] });

    // A wallet from before v1.1: its funding stored as WalletFunded v1 (upcast on read), then spent over HTTP.
    const store = zan.app.get<EventStore>(EVENT_STORE);
    const legacy = (type: string, data: object) => {
      const id = randomUUID();
      return { id, type, version: 1, data, metadata: { correlationId: id, causationId: id, userId: 'l-old' }, occurredAt: clock.now().toISOString() };
    };
    await store.append(
      'wallet-l-old',
      [
        legacy('WalletOpened', { userId: 'l-old', kind: 'individual' }),
        legacy('WalletFunded', { userId: 'l-old', fundingId: randomUUID(), cardId: 'card-l-old', amount: 4_321 }),
      ],
      'no_stream',
    );
    users.add('l-old');
    await record(clientFor(zan.app, 'l-old').post('/v1/transfers', { toUserId: 'l-ann', amount: 321 }), [201]);

    // Fundings, a withdrawal, transfers: retried and duplicated under one key.
    await duplicates(ann!, '/v1/wallets/me/fundings', { amount: 12_345, cardId: 'card-l-ann' }, 'fund-ann-1');
    await duplicates(bob!, '/v1/transfers', { toUserId: 'l-cat', amount: 777, note: 'lunch' }, 'xfer-bob-1');
    await record(cat!.post('/v1/transfers', { toUserId: 'l-dan', amount: 1 }), [201]);
    await duplicates(dan!, '/v1/wallets/me/withdrawals', { amount: 5_001, cardId: 'card-l-dan' }, 'wd-dan-1');

    // Praise: a like with cash (a like, then a tip), duplicates of the tip.
    await publishArticle(zan.app, 'l-eve', 'l-eve-a1');
    await record(ann!.post('/v1/articles/l-eve-a1/likes', undefined, null), [201]);
    await duplicates(ann!, '/v1/tips', { authorId: 'l-eve', articleId: 'l-eve-a1', amount: 888, message: '赞' }, 'tip-ann-1');
    await record(bob!.post('/v1/tips', { authorId: 'l-eve', articleId: 'l-eve-a1', amount: 500 }), [201]);

    // Red packets: one claimed out (concurrent claims, the same claimer twice), one to expire with claims.
    const lucky = await duplicates(eve!, '/v1/red-packets', { amount: 1_000, shares: 3, mode: 'lucky' }, 'rp-eve-1');
    const luckyId = lucky.body.redPacketId as string;
    const claims = await Promise.all([
      ann!.post(`/v1/red-packets/${luckyId}/claims`, undefined, 'claim-ann-1'),
      ann!.post(`/v1/red-packets/${luckyId}/claims`, undefined, 'claim-ann-1'),
      bob!.post(`/v1/red-packets/${luckyId}/claims`),
      cat!.post(`/v1/red-packets/${luckyId}/claims`),
      dan!.post(`/v1/red-packets/${luckyId}/claims`),
    ]);
    expect(claims.filter((c) => ![201, 409, 410].includes(c.status))).toEqual([]);
    answers.push(...(claims.filter((c) => c.status === 201) as Answer[]));
    const equal = await record(eve!.post('/v1/red-packets', { amount: 1_001, shares: 3, mode: 'equal' }), [201]);
    const equalId = equal.body.redPacketId as string;
    expect((await record(ann!.post(`/v1/red-packets/${equalId}/claims`), [201])).body.amount).toBe(334);

    // Orders: duplicates, refunded partly (1 fen, then more), then fully; over-refund refused.
    const product = await record(shop.post('/v1/merchants/me/products', { title: '月饼', price: 1_999, stock: 10 }), [201]);
    const productId = product.body.productId as string;
    const order = await duplicates(ann!, '/v1/orders', { productId, quantity: 2, expectedPrice: 1_999 }, 'order-ann-1');
    const orderId = order.body.orderId as string;
    const second = await record(bob!.post('/v1/orders', { productId, quantity: 1, expectedPrice: 1_999 }), [201]);
    await walletReaches(shop, 3 * 1_999);
    const refunds = `/v1/orders/${orderId}/refunds`;
    await duplicates(shop, refunds, { amount: 1 }, 'refund-1');
    await record(shop.post(refunds, { amount: 2_000 }), [201]);
    expect((await shop.post(refunds, { amount: 1_998 }).expect(422)).body.type).toMatch(/refund-exceeds-payment$/);
    expect((await record(admin.post(refunds, { amount: 1_997 }), [201])).body.refunded).toBe(3_998);
    await shop.post(refunds, { amount: 1 }).expect(422);
    // Partial refunds racing on one order: never past what it paid, then the rest.
    const secondRefunds = `/v1/orders/${second.body.orderId as string}/refunds`;
    const burst = await Promise.all(Array.from({ length: 6 }, () => shop.post(secondRefunds, { amount: 400 })));
    expect(burst.map((r) => r.status).sort()).toEqual([201, 201, 201, 201, 422, 422]);
    answers.push(...(burst.filter((r) => r.status === 201) as Answer[]));
    expect((await record(shop.post(secondRefunds, { amount: 399 }), [201])).body.refunded).toBe(1_999);

    // Paying in a store: a static code (duplicates), a dynamic code two payers race for.
    const staticCode = (await record(cafe.post('/v1/merchants/me/payment-codes', { reference: 'table 1' }), [201])).body.code as string;
    await duplicates(cat!, '/v1/payments', { code: staticCode, amount: 1_234 }, 'pay-cat-1');
    const dynamicCode = (await record(cafe.post('/v1/merchants/me/payment-codes', { amount: 2_500 }), [201])).body.code as string;
    const raced = await Promise.all([dan!.post('/v1/payments', { code: dynamicCode }, 'pay-dan-1'), eve!.post('/v1/payments', { code: dynamicCode })]);
    expect(raced.map((r) => r.status).sort()).toEqual([201, 410]);
    answers.push(...(raced.filter((r) => r.status === 201) as Answer[]));

    // Group buys: one completes (its orders refunded partly then fully), one fails at its deadline.
    const deal = await record(shop.post('/v1/merchants/me/group-buys', { productId, groupPrice: 1_501, groupSize: 2, expiresInSeconds: 600 }), [201]);
    const dealId = deal.body.groupBuyId as string;
    await duplicates(bob!, `/v1/group-buys/${dealId}/joins`, undefined, 'join-bob-1');
    const completing = await record(cat!.post(`/v1/group-buys/${dealId}/joins`), [201]);
    expect(completing.body.status).toBe('completed');
    const groupOrders = (await shop.get(`/v1/merchants/me/orders?limit=100&after=${completing.body.position as string}`).expect(200)).body as {
      orderId: string;
      groupBuyId?: string;
      buyerId: string;
    }[];
    const [bobGroupOrder, catGroupOrder] = ['l-bob', 'l-cat'].map((buyer) => groupOrders.find((o) => o.groupBuyId === dealId && o.buyerId === buyer)!.orderId);
    await walletReaches(shop, 2 * 1_501);
    // The group's orders open just after their payments: 404 until then.
    await eventually('the group order refundable', async () => {
      const answer = await shop.post(`/v1/orders/${bobGroupOrder!}/refunds`, { amount: 500 }, 'refund-group-1');
      if (answer.status === 404) return false;
      await record(Promise.resolve(answer), [201]);
      return true;
    });
    await record(shop.post(`/v1/orders/${bobGroupOrder!}/refunds`, { amount: 1_001 }), [201]);
    await shop.post(`/v1/orders/${bobGroupOrder!}/refunds`, { amount: 1 }).expect(422);
    await eventually('the other group order refundable', async () => {
      const answer = await admin.post(`/v1/orders/${catGroupOrder!}/refunds`, { amount: 1_501 }, 'refund-group-2');
      if (answer.status === 404) return false;
      await record(Promise.resolve(answer), [201]);
      return true;
    });
    const failing = await record(shop.post('/v1/merchants/me/group-buys', { productId, groupPrice: 999, groupSize: 3, expiresInSeconds: 3_600 }), [201]);
    const failingId = failing.body.groupBuyId as string;
    await record(dan!.post(`/v1/group-buys/${failingId}/joins`), [201]);
    await duplicates(eve!, `/v1/group-buys/${failingId}/joins`, undefined, 'join-eve-1');

    // A flash sale: 3 units, 8 buyers at once.
    const flash = (await record(cafe.post('/v1/merchants/me/products', { title: '秒杀', price: 99, stock: 3 }), [201])).body.productId as string;
    const crowd = await Promise.all(
      Array.from({ length: 8 }, async (_, i) => {
        const buyer = await user(`l-crowd-${i}`, 1_000);
        return buyer.post('/v1/orders', { productId: flash, quantity: 1, expectedPrice: 99 });
      }),
    );
    expect(crowd.map((c) => c.status).sort()).toEqual([201, 201, 201, 410, 410, 410, 410, 410]);
    answers.push(...(crowd.filter((c) => c.status === 201) as Answer[]));

    // A day later: the equal packet expires (its rest to the sender), the failing group fails (holds back).
    clock.advance(25 * 3_600_000);
    const scheduler = zan.app.get(ExpiryScheduler);
    await eventually(
      'the packet expired and the group failed',
      async () => {
        await scheduler.runDue();
        const packet = (await eve!.get(`/v1/red-packets/${equalId}`)).body as { status?: string };
        const group = (await eve!.get(`/v1/group-buys/${failingId}`)).body as { status?: string };
        return packet.status === 'expired' && group.status === 'failed';
      },
      30_000,
      200,
    );
    // Still open when audited: a packet with one claim, and a group with one member.
    const open = await record(ann!.post('/v1/red-packets', { amount: 600, shares: 2, mode: 'equal' }), [201]);
    await record(bob!.post(`/v1/red-packets/${open.body.redPacketId as string}/claims`), [201]);
    // The flash product is sold out, and a deal takes its units when it opens: this one is on a product of unlimited stock.
    const plenty = (await record(cafe.post('/v1/merchants/me/products', { title: '拼团', price: 99, stock: null }), [201])).body.productId as string;
    const stillOpen = await record(
      cafe.post('/v1/merchants/me/group-buys', { productId: plenty, groupPrice: 50, groupSize: 2, expiresInSeconds: 86_400 }),
      [201],
    );
    // Cat races their own joins under different keys: one member, any hold taken for the others refused and returned.
    const joins = await Promise.all(Array.from({ length: 3 }, () => cat!.post(`/v1/group-buys/${stillOpen.body.groupBuyId as string}/joins`)));
    expect(joins.map((j) => j.status).sort()).toEqual([201, 409, 409]);
    answers.push(...(joins.filter((j) => j.status === 201) as Answer[]));

    // Quiet: everything credited except what the open packet and group hold.
    let exported = '';
    await eventually(
      'the ledger to be quiet (only the open packet and group hold money)',
      async () => {
        const run = await runZan(['events', 'export'], { ...zan.env, ZAN_NO_PROGRESS: '1' });
        if (run.code !== 0) throw new Error(`zan events export: ${run.code} ${run.stderr}`);
        exported = run.stdout;
        return reconstructLedger(parseExport(exported)).inFlight.size === 0;
      },
      60_000,
      500,
    );
    const head = String((await store.headPosition()) ?? 0n);
    exported = (await runZan(['events', 'export', '--until', head], { ...zan.env, ZAN_NO_PROGRESS: '1' })).stdout;
    expect(BigInt(head)).toBeGreaterThanOrEqual(BigInt(latest(answers)));
    const mine = reconstructLedger(parseExport(exported));
    // The CSV export carries the same history: the same ledger from it.
    const csv = await runZan(['events', 'export', '--format', 'csv', '--until', head], { ...zan.env, ZAN_NO_PROGRESS: '1' });
    expect(csv.code).toBe(0);
    const fromCsv = reconstructLedger(parseCsvExport(csv.stdout));
    expect({ balances: fromCsv.balances, problems: fromCsv.problems, deltas: fromCsv.deltaDisagreements }).toEqual({
      balances: mine.balances,
      problems: [],
      deltas: [],
    });

    // The independent ledger, on its own terms.
    expect(mine.problems).toEqual([]);
    expect(mine.deltaDisagreements).toEqual([]);
    expect(conservationGap(mine)).toBe(0);
    expect({ packets: mine.heldByPackets, groups: mine.heldByGroupBuys, inFlight: [...mine.inFlight] }).toEqual({ packets: 300, groups: 50, inFlight: [] });
    expect(mine.orders.get(orderId)).toMatchObject({ paid: 3_998, refunded: 3_998 });
    expect(mine.orders.get(bobGroupOrder!)).toMatchObject({ paid: 1_501, refunded: 1_501, group: true });
    expect(mine.takings.get('l-shop')).toEqual({ orders: 3 * 1_999 + 2 * 1_501, codes: 0, refunds: 3_998 + 1_999 + 2 * 1_501 });
    expect(mine.takings.get('l-cafe')).toEqual({ orders: 3 * 99, codes: 1_234 + 2_500, refunds: 0 });
    expect(mine.earnings.get('l-eve')).toEqual({ total: 1_388, tips: 2 });
    for (const id of users) expect(mine.balances.has(id)).toBe(true);
    expect(mine.balances.get('l-old')).toBe(4_000);
    expect(mine.fundings).toBe(5 * 200_000 + 12_345 + 8 * 1_000 + 4_321);
    expect(mine.withdrawals).toBe(5_001);

    // Zan's balance query, and Zan's audit (its ledger per wallet, and the command's verdict).
    const zanAudit = await audit(store, { graceMs: 0 });
    const cli = await runZan(['audit', '--json', '--grace', '1s'], { ...zan.env, ZAN_NO_PROGRESS: '1' });
    const report = JSON.parse(cli.stdout) as { clean: boolean; conservation: Record<string, number>; findings: unknown };
    const rows: Record<string, { mine: number; query: number; audit: number | undefined }> = {};
    for (const [id, balance] of mine.balances) {
      const query = (await admin.get(`/v1/wallets/${id}?after=${head}`).expect(200)).body.balance as number;
      rows[id] = { mine: balance, query, audit: zanAudit.ledger.wallets.get(id)?.balance };
    }
    const disagreements = Object.entries(rows).filter(([, r]) => r.mine !== r.query || r.mine !== r.audit);
    expect(disagreements).toEqual([]);
    // Every order (single or a group's) as its buyer's list shows it: what it paid and what came back.
    const listed: Record<string, { amount: number; refunded: number }> = {};
    const reconstructed: Record<string, { amount: number; refunded: number }> = {};
    for (const [id, o] of mine.orders) {
      reconstructed[id] = { amount: o.paid, refunded: o.refunded };
      const list = (await clientFor(zan.app, o.buyerId).get(`/v1/orders/me?limit=100&after=${head}`).expect(200)).body as {
        orderId: string;
        amount: number;
        refunded: number;
      }[];
      const row = list.find((r) => r.orderId === id);
      listed[id] = row ? { amount: row.amount, refunded: row.refunded } : { amount: -1, refunded: -1 };
    }
    expect(listed).toEqual(reconstructed);
    // Each merchant's sales (orders only, single and group; payments by code are not sales) against its takings.
    for (const [merchant, client] of [
      ['l-shop', shop],
      ['l-cafe', cafe],
    ] as const) {
      const { days } = (await client.get(`/v1/merchants/me/sales?from=2026-04-30&to=2026-05-03&after=${head}`).expect(200)).body as {
        days: { gross: number; refunds: number; net: number }[];
      };
      const sum = days.reduce((t, d) => ({ gross: t.gross + d.gross, refunds: t.refunds + d.refunds }), { gross: 0, refunds: 0 });
      expect({ merchant, ...sum }).toEqual({ merchant, gross: mine.takings.get(merchant)!.orders, refunds: mine.takings.get(merchant)!.refunds });
    }
    const earnings = (await admin.get(`/v1/authors/l-eve/earnings?after=${head}`).expect(200)).body as { total: number; tips: number };
    expect({ total: earnings.total, tips: earnings.tips }).toEqual(mine.earnings.get('l-eve'));
    const c = report.conservation;
    let balances = 0;
    for (const b of mine.balances.values()) balances += b;
    expect({ clean: report.clean, code: cli.code, findings: report.findings }).toEqual({ clean: true, code: 0, findings: { count: 0, first: [] } });
    expect({
      balances: c.balances,
      held: c.held,
      heldByGroupBuys: c.heldByGroupBuys,
      inFlight: c.inFlight,
      fundings: c.fundings,
      withdrawals: c.withdrawals,
    }).toEqual({
      balances,
      held: mine.heldByPackets,
      heldByGroupBuys: mine.heldByGroupBuys,
      inFlight: 0,
      fundings: mine.fundings,
      withdrawals: mine.withdrawals,
    });
  });
});
