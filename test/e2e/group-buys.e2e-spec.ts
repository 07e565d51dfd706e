import { randomUUID } from 'node:crypto';
import { auditLedger } from '@zan/domain';
import { WalletStreams } from '../../apps/api/src/command-path/wallet-streams';
import { EVENT_STORE, type EventStore } from '@zan/event-store';
import { eventually } from '../support/eventually';
import { type Client, clientFor, fundedUser } from '../support/http-client';
import { readAllEvents } from '../support/read-model-snapshot';
import { type RunningZan, startEmbeddedZan, startFullStackInProcess } from '../support/stacks';

/** Waits until the credits have caught up (nothing in flight) and answers the audit of the whole log. */
const quietAudit = async (zan: RunningZan) => {
  const store = zan.app.get<EventStore>(EVENT_STORE);
  for (let round = 0; ; round++) {
    const audit = auditLedger(await readAllEvents(store));
    if ((audit.inFlight === 0 && audit.heldByGroupBuys === 0 && audit.problems.length === 0) || round > 100) return audit;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

/** The balance as the read models have it; with `after`, once they have applied that position (read-your-writes). */
const balanceOf = async (client: Client, after?: string): Promise<number> =>
  (await client.get(after === undefined ? '/v1/wallets/me' : `/v1/wallets/me?after=${after}`).expect(200)).body.balance as number;

/** Group buys (issue 19): members' money held, paid to the merchant once per order on completion, returned once on failure. */
const describeGroupBuys = (name: string, start: () => Promise<RunningZan>) =>
  describe(`group buys (${name})`, () => {
    let zan: RunningZan;
    let shop: Client;
    let productId: string;
    beforeAll(async () => {
      zan = await start();
      shop = (await fundedUser(zan.app, 'gshop', 0, 'business')).client;
      productId = (await shop.post('/v1/merchants/me/products', { title: '拼团月饼', price: 3_000, stock: null }).expect(201)).body.productId as string;
    }, 120_000);
    afterAll(async () => {
      await zan?.close();
    }, 60_000);

    const open = async (body: object) =>
      (await shop.post('/v1/merchants/me/group-buys', { productId, groupPrice: 2_000, ...body }).expect(201)).body as {
        groupBuyId: string;
        expiresAt: string;
        position: string;
      };
    /** The group as the read models have it; with `after`, once they have applied that position. */
    const statusOf = async (client: Client, groupBuyId: string, after?: string) =>
      (await client.get(`/v1/group-buys/${groupBuyId}${after === undefined ? '' : `?after=${after}`}`).expect(200)).body as { status: string; members: number };
    /** The group's status as the read models have it now; undefined while they have not yet projected its opening (a poll's "not yet"). */
    const statusNow = async (client: Client, groupBuyId: string): Promise<string | undefined> => {
      const answer = await client.get(`/v1/group-buys/${groupBuyId}`);
      if (answer.status === 404) return undefined;
      expect(answer.status).toBe(200);
      return answer.body.status as string;
    };
    const soldOf = async (after: string) => (await shop.get(`/v1/products/${productId}?after=${after}`).expect(200)).body.sold as number;
    const feedOf = async (client: Client, after?: string) =>
      (await client.get(`/v1/feeds/me?limit=100${after === undefined ? '' : `&after=${after}`}`).expect(200)).body.items as {
        type: string;
        amount: number;
        refId: string;
      }[];

    it('opens for the product’s merchant only; hostile input is a 400 that changes nothing', async () => {
      const { client: ann, position: annFunded } = await fundedUser(zan.app, 'gann', 10_000);
      expect((await ann.post('/v1/merchants/me/group-buys', { productId, groupPrice: 100, groupSize: 2, expiresInSeconds: 60 }).expect(422)).body.type).toMatch(
        /not-a-merchant$/,
      );
      await shop
        .post('/v1/merchants/me/group-buys', { productId: 'f0000000-0000-4000-8000-000000000000', groupPrice: 100, groupSize: 2, expiresInSeconds: 60 })
        .expect(404);
      for (const body of [
        { productId, groupPrice: 0, groupSize: 2, expiresInSeconds: 60 },
        { productId, groupPrice: 100, groupSize: 1, expiresInSeconds: 60 },
        { productId, groupPrice: 100, groupSize: 101, expiresInSeconds: 60 },
        { productId, groupPrice: 100, groupSize: 2, expiresInSeconds: 0 },
        { productId, groupPrice: 100, groupSize: 2, expiresInSeconds: 604_801 },
        { productId, groupPrice: '100', groupSize: 2, expiresInSeconds: 60 },
        { productId, groupPrice: 1.5, groupSize: 2, expiresInSeconds: 60 },
        { productId, groupPrice: 100, groupSize: 2, expiresInSeconds: 60, extra: true },
        { groupPrice: 100, groupSize: 2, expiresInSeconds: 60 },
      ]) {
        await shop.post('/v1/merchants/me/group-buys', body).expect(400);
      }
      const { groupBuyId, position: opened } = await open({ groupSize: 2, expiresInSeconds: 600 });
      await ann.post(`/v1/group-buys/${groupBuyId}/joins`, { sneaky: 1 }).expect(400);
      await ann.post(`/v1/group-buys/${groupBuyId}/joins`, undefined, null).expect(400);
      await ann.post('/v1/group-buys/not-a-group/joins').expect(404);
      await ann.get(`/v1/group-buys/f0000000-0000-4000-8000-000000000000?after=${opened}`).expect(404);
      await ann.get(`/v1/group-buys/${groupBuyId}?after=not-a-position`).expect(400);
      expect(await balanceOf(ann, annFunded)).toBe(10_000);
      expect(await statusOf(ann, groupBuyId, opened)).toMatchObject({ status: 'open', members: 0 });
    });

    it('fills and completes: each member’s money held at once, the merchant paid once per order, each order refundable and rateable; twice 409, full 410, unfunded 422', async () => {
      const { groupBuyId, expiresAt, position: opened } = await open({ groupSize: 3, expiresInSeconds: 600 });
      const soldBefore = await soldOf(opened);
      const members = await Promise.all(['gbo', 'gcy', 'gdi'].map(async (id) => (await fundedUser(zan.app, id, 5_000)).client));
      const [bo, cy, di] = members as [Client, Client, Client];
      const first = await bo.post(`/v1/group-buys/${groupBuyId}/joins`, undefined, 'join-1').expect(201);
      expect(first.body).toEqual({ joined: 1, groupSize: 3, status: 'open', position: expect.stringMatching(/^\d+$/) });
      expect((await bo.post(`/v1/group-buys/${groupBuyId}/joins`, undefined, 'join-1').expect(201)).body).toEqual(first.body);
      expect(await balanceOf(bo, first.body.position as string)).toBe(3_000);
      expect((await bo.post(`/v1/group-buys/${groupBuyId}/joins`).expect(409)).body.type).toMatch(/already-joined$/);
      const { client: poor } = await fundedUser(zan.app, 'gpoor', 100);
      expect((await poor.post(`/v1/group-buys/${groupBuyId}/joins`).expect(422)).body.type).toMatch(/insufficient-funds$/);
      expect((await shop.post(`/v1/group-buys/${groupBuyId}/joins`).expect(422)).body.type).toMatch(/self-payment$/);
      await cy.post(`/v1/group-buys/${groupBuyId}/joins`).expect(201);
      const last = await di.post(`/v1/group-buys/${groupBuyId}/joins`).expect(201);
      expect(last.body).toEqual({ joined: 3, groupSize: 3, status: 'completed', position: expect.stringMatching(/^\d+$/) });
      const { client: late, position: lateFunded } = await fundedUser(zan.app, 'glate', 5_000);
      expect((await late.post(`/v1/group-buys/${groupBuyId}/joins`).expect(410)).body.type).toMatch(/group-buy-full$/);
      expect((await late.get(`/v1/group-buys/${groupBuyId}?after=${last.body.position as string}`).expect(200)).body).toEqual({
        groupBuyId,
        productId,
        groupPrice: 2_000,
        groupSize: 3,
        members: 3,
        status: 'completed',
        expiresAt,
      });
      await eventually('the merchant paid for three orders', async () => (await balanceOf(shop)) === 6_000, 30_000);
      for (const member of members) expect(await balanceOf(member, last.body.position as string)).toBe(3_000);
      expect(await balanceOf(late, lateFunded)).toBe(5_000);
      expect(await balanceOf(poor, last.body.position as string)).toBe(100);

      // The group's orders, where orders are read: the buyer's list, the merchant's, the card's sold count, both feeds.
      const completed = last.body.position as string;
      expect(await soldOf(completed)).toBe(soldBefore + 3);
      const [order] = (await bo.get(`/v1/orders/me?after=${completed}`).expect(200)).body as Record<string, unknown>[];
      expect(order).toEqual({
        orderId: expect.any(String),
        productId,
        merchantId: 'gshop',
        buyerId: 'gbo',
        quantity: 1,
        unitPrice: 2_000,
        amount: 2_000,
        refunded: 0,
        status: 'paid',
        groupBuyId,
        at: expect.any(String),
      });
      const sales = (await shop.get(`/v1/merchants/me/orders?limit=3&after=${completed}`).expect(200)).body as { orderId: string; buyerId: string }[];
      expect(sales.map((o) => o.buyerId).sort()).toEqual(['gbo', 'gcy', 'gdi']);
      expect((await feedOf(bo, completed)).filter((i) => i.refId === groupBuyId)).toEqual([expect.objectContaining({ type: 'group-buy-held', amount: 2_000 })]);
      const received = (await feedOf(shop, completed)).filter((i) => i.type === 'group-buy-order-received');
      expect(received.map((i) => i.refId)).toEqual(expect.arrayContaining(sales.map((o) => o.orderId)));

      // A group order is an order (docs/commerce.md): once `?after=` of the completing join answers, its stream
      // is open; refunded partly then fully through the order routes, never past what was paid; rated once.
      const orderId = order!.orderId as string;
      const path = `/v1/orders/${orderId}/refunds`;
      expect((await bo.post(path, { amount: 100 }).expect(403)).body.type).toMatch(/not-your-order$/);
      const partial = await shop.post(path, { amount: 500, reason: '拼团退款' }).expect(201);
      expect(partial.body).toMatchObject({ refunded: 500 });
      expect((await shop.post(path, { amount: 1_501 }).expect(422)).body.type).toMatch(/refund-exceeds-payment$/);
      const rest = await clientFor(zan.app, 'gops', { roles: ['admin'] })
        .post(path, { amount: 1_500 })
        .expect(201);
      expect(rest.body.refunded).toBe(2_000);
      expect((await shop.post(path, { amount: 1 }).expect(422)).body.type).toMatch(/refund-exceeds-payment$/);
      await shop.post(`/v1/orders/${orderId}/rating`, { stars: 5 }, null).expect(403);
      const rated = await bo.post(`/v1/orders/${orderId}/rating`, { stars: 4 }, null).expect(201);
      expect((await bo.post(`/v1/orders/${orderId}/rating`, { stars: 5 }, null).expect(409)).body.type).toMatch(/already-rated$/);
      const at = [partial, rest, rated]
        .map((a) => BigInt(a.body.position as string))
        .reduce((a, b) => (a > b ? a : b))
        .toString();
      expect(await balanceOf(bo, at)).toBe(5_000);
      expect(await balanceOf(shop, at)).toBe(4_000);
      const refundedOrder = { orderId, refunded: 2_000, status: 'refunded', stars: 4, groupBuyId };
      expect((await bo.get(`/v1/orders/me?after=${at}`).expect(200)).body).toEqual([expect.objectContaining(refundedOrder)]);
      const merchantOrders = (await shop.get(`/v1/merchants/me/orders?limit=100&after=${at}`).expect(200)).body as { orderId: string }[];
      expect(merchantOrders.filter((o) => o.orderId === orderId)).toEqual([expect.objectContaining(refundedOrder)]);
      const card = (await shop.get(`/v1/products/${productId}?after=${at}`).expect(200)).body;
      expect(card).toMatchObject({ sold: soldBefore + 3, rating: { average: 4, count: 1 }, merchantRating: { average: 4, count: 1 } });
      const today = (await shop.get(`/v1/merchants/me/sales?after=${at}`).expect(200)).body.days.at(-1) as { gross: number; refunds: number; net: number };
      expect(today).toMatchObject({ refunds: 2_000, net: today.gross - 2_000 });
      const refundsIn = (items: { type: string; amount: number; refId: string }[], type: string) =>
        items.filter((i) => i.refId === orderId && i.type === type).map((i) => i.amount);
      expect(refundsIn(await feedOf(bo, at), 'refund-received')).toEqual([1_500, 500]);
      expect(refundsIn(await feedOf(shop, at), 'refund-paid')).toEqual([1_500, 500]);
    });

    it('expires unfilled and fails: every member’s money returns exactly once; joining after is 410', async () => {
      const before = await balanceOf(shop);
      // Funded first: on a loaded machine funding alone can outlast a short deadline.
      const [ed, fay] = (await Promise.all(['ged', 'gfay'].map(async (id) => (await fundedUser(zan.app, id, 4_000)).client))) as [Client, Client];
      const { groupBuyId } = await open({ groupSize: 5, expiresInSeconds: 3 });
      await ed.post(`/v1/group-buys/${groupBuyId}/joins`).expect(201);
      await fay.post(`/v1/group-buys/${groupBuyId}/joins`).expect(201);
      await eventually('the group failed', async () => (await statusNow(ed, groupBuyId)) === 'failed');
      await eventually('the members refunded', async () => (await balanceOf(ed)) === 4_000 && (await balanceOf(fay)) === 4_000);
      await eventually('the hold and its return in the member’s feed', async () => {
        const types = (await feedOf(ed)).filter((i) => i.refId === groupBuyId).map((i) => i.type);
        return types.join() === 'group-buy-returned,group-buy-held';
      });
      const { client: gus } = await fundedUser(zan.app, 'ggus', 4_000);
      expect((await gus.post(`/v1/group-buys/${groupBuyId}/joins`).expect(410)).body.type).toMatch(/group-buy-closed$/);
      expect(await balanceOf(shop)).toBe(before);
    });

    it('takes exactly groupSize of a crowd joining at once; everyone else is answered 410 and keeps their money', async () => {
      const { groupBuyId } = await open({ groupSize: 3, expiresInSeconds: 600 });
      const crowd = await Promise.all(Array.from({ length: 8 }, async (_, i) => (await fundedUser(zan.app, `gcrowd${i}`, 2_500)).client));
      const answers = await Promise.all(crowd.map((client) => client.post(`/v1/group-buys/${groupBuyId}/joins`)));
      expect(answers.map((a) => a.status).sort()).toEqual([201, 201, 201, 410, 410, 410, 410, 410]);
      expect(
        answers
          .filter((a) => a.status === 201)
          .map((a) => a.body.joined as number)
          .sort(),
      ).toEqual([1, 2, 3]);
      const newest = answers.map((a) => BigInt((a.body.position as string | undefined) ?? '0')).reduce((a, b) => (a > b ? a : b));
      expect(await statusOf(crowd[0]!, groupBuyId, newest.toString())).toMatchObject({ status: 'completed', members: 3 });
      await eventually('every refused hold returned', async () => {
        const balances = await Promise.all(crowd.map((client) => balanceOf(client)));
        return balances.filter((b) => b === 500).length === 3 && balances.filter((b) => b === 2_500).length === 5;
      });
    });

    it('finishes a join the api never ran (a crash right after the hold): the process manager joins the hold, the group completes, the merchant is paid', async () => {
      const before = await balanceOf(shop);
      const { groupBuyId } = await open({ groupSize: 2, expiresInSeconds: 600 });
      const [hal, ivy] = (await Promise.all(['ghal', 'givy'].map(async (id) => (await fundedUser(zan.app, id, 3_000)).client))) as [Client, Client];
      await hal.post(`/v1/group-buys/${groupBuyId}/joins`).expect(201);
      // Step 1 alone, as an api that died before step 2 left it.
      const hold = { groupBuyId, joinId: randomUUID(), productId, merchantId: 'gshop', buyerId: 'givy', amount: 2_000 };
      await zan.app
        .get(WalletStreams)
        .decide('givy', { type: 'HoldGroupBuyFunds', data: hold }, { userId: 'givy', correlationId: randomUUID(), commandId: randomUUID() });
      await eventually('the process manager joined the hold and completed the group', async () => (await statusNow(ivy, groupBuyId)) === 'completed');
      await eventually('the merchant paid for both orders', async () => (await balanceOf(shop)) === before + 4_000, 30_000);
      await eventually('both members charged once', async () => (await balanceOf(ivy)) === 1_000 && (await balanceOf(hal)) === 1_000);
    });

    it('decides a join racing the deadline on the group’s stream: joined and completed, or refused and failed, with the money to match', async () => {
      const racers = await Promise.all(['grace0', 'grace1', 'grace2', 'grace3', 'grace4'].map(async (id) => (await fundedUser(zan.app, id, 3_000)).client));
      // The earlier cases waited for every payment to the merchant: its balance is settled.
      const shopBefore = await balanceOf(shop);
      const { groupBuyId, expiresAt } = await open({ groupSize: 2, expiresInSeconds: 3 });
      const [first, ...late] = racers as [Client, ...Client[]];
      await first.post(`/v1/group-buys/${groupBuyId}/joins`).expect(201);
      // The last seat is sought from just before to just after the moment the deadline's timer fires.
      const deadline = Date.parse(expiresAt);
      const answers = await Promise.all(
        late.map(async (client, i) => {
          await new Promise((resolve) => setTimeout(resolve, Math.max(0, deadline - 90 + i * 60 - Date.now())));
          return client.post(`/v1/group-buys/${groupBuyId}/joins`);
        }),
      );
      const won = answers.filter((a) => a.status === 201);
      expect(answers.every((a) => a.status === 201 || a.status === 410)).toBe(true);
      expect(won.length).toBeLessThanOrEqual(1);
      await eventually('the group closed', async () => ![undefined, 'open'].includes(await statusNow(first, groupBuyId)));
      const group = await statusOf(first, groupBuyId);
      if (won.length === 1) {
        expect(won[0]!.body).toMatchObject({ joined: 2, status: 'completed' });
        expect(group).toMatchObject({ status: 'completed', members: 2 });
      } else {
        expect(group).toMatchObject({ status: 'failed', members: 1 });
      }
      const charged = won.length === 1 ? [first, late[answers.indexOf(won[0]!)]!] : [];
      await eventually(
        'every hold paid or returned',
        async () => {
          const balances = await Promise.all(racers.map((client) => balanceOf(client)));
          const paid = (await balanceOf(shop)) - shopBefore;
          return paid === charged.length * 2_000 && racers.every((client, i) => balances[i] === (charged.includes(client) ? 1_000 : 3_000));
        },
        30_000,
      );
    });

    it('sells nothing more once the product is delisted: a join is 410 product-delisted with nothing held, a hold racing the delisting is returned, the group fails and returns its members’ money', async () => {
      const shopBefore = await balanceOf(shop);
      const [jo, kim, lu] = (await Promise.all(['gjo', 'gkim', 'glu'].map(async (id) => (await fundedUser(zan.app, id, 3_000)).client))) as [
        Client,
        Client,
        Client,
      ];
      const delisting = (await shop.post('/v1/merchants/me/products', { title: '下架的团', price: 3_000, stock: null }).expect(201)).body.productId as string;
      const { groupBuyId } = (
        await shop.post('/v1/merchants/me/group-buys', { productId: delisting, groupPrice: 2_000, groupSize: 2, expiresInSeconds: 4 }).expect(201)
      ).body as { groupBuyId: string };
      await jo.post(`/v1/group-buys/${groupBuyId}/joins`).expect(201);
      await shop.delete(`/v1/merchants/me/products/${delisting}`).expect(204);
      // As POST /v1/orders answers for a delisted product; nothing held.
      const refused = await kim.post(`/v1/group-buys/${groupBuyId}/joins`).expect(410);
      expect(refused.body.type).toMatch(/product-delisted$/);
      // A hold made before the delisting whose join the api never ran: the process manager refuses it and returns it.
      const hold = { groupBuyId, joinId: randomUUID(), productId: delisting, merchantId: 'gshop', buyerId: 'glu', amount: 2_000 };
      await zan.app
        .get(WalletStreams)
        .decide('glu', { type: 'HoldGroupBuyFunds', data: hold }, { userId: 'glu', correlationId: randomUUID(), commandId: randomUUID() });
      await eventually('the group failed unfilled', async () => (await statusNow(jo, groupBuyId)) === 'failed', 30_000);
      expect(await statusOf(jo, groupBuyId)).toMatchObject({ members: 1 });
      await eventually('every member’s money returned', async () => {
        const balances = await Promise.all([jo, kim, lu].map((client) => balanceOf(client)));
        return balances.every((balance) => balance === 3_000);
      });
      expect(await balanceOf(shop)).toBe(shopBefore);
    });

    it('takes the group’s units from the product’s stock when it opens: never oversold with single orders, given back when it fails', async () => {
      const cardOf = async (id: string, after: string) =>
        (await shop.get(`/v1/products/${id}?after=${after}`).expect(200)).body as { stock: number; sold: number };
      const limited = (await shop.post('/v1/merchants/me/products', { title: '限量团', price: 3_000, stock: 3 }).expect(201)).body as {
        productId: string;
        position: string;
      };
      const deal = { productId: limited.productId, groupPrice: 2_000, expiresInSeconds: 600 };
      expect((await shop.post('/v1/merchants/me/group-buys', { ...deal, groupSize: 4 }).expect(410)).body.type).toMatch(/sold-out$/);
      expect(await cardOf(limited.productId, limited.position)).toMatchObject({ stock: 3, sold: 0 });
      const { groupBuyId, position: opened } = (await shop.post('/v1/merchants/me/group-buys', { ...deal, groupSize: 3 }).expect(201)).body as {
        groupBuyId: string;
        position: string;
      };
      expect(await cardOf(limited.productId, opened)).toMatchObject({ stock: 0, sold: 0 });
      const buyers = await Promise.all(['gst0', 'gst1', 'gst2', 'gst3'].map(async (id) => (await fundedUser(zan.app, id, 5_000)).client));
      expect((await buyers[3]!.post('/v1/orders', { productId: limited.productId, quantity: 1, expectedPrice: 3_000 }).expect(410)).body.type).toMatch(
        /sold-out$/,
      );
      expect((await shop.post('/v1/merchants/me/group-buys', { ...deal, groupSize: 2 }).expect(410)).body.type).toMatch(/sold-out$/);
      let completed = '0';
      for (const buyer of buyers.slice(0, 3)) completed = (await buyer.post(`/v1/group-buys/${groupBuyId}/joins`).expect(201)).body.position as string;
      expect(await cardOf(limited.productId, completed)).toMatchObject({ stock: 0, sold: 3 });

      // A deal that fails gives its units back: single orders may buy them again.
      const spare = (await shop.post('/v1/merchants/me/products', { title: '限量团二', price: 2_000, stock: 2 }).expect(201)).body.productId as string;
      const failing = (await shop.post('/v1/merchants/me/group-buys', { productId: spare, groupPrice: 2_000, groupSize: 2, expiresInSeconds: 2 }).expect(201))
        .body as { groupBuyId: string; position: string };
      expect(await cardOf(spare, failing.position)).toMatchObject({ stock: 0 });
      await eventually('the deal failed', async () => (await statusNow(shop, failing.groupBuyId)) === 'failed');
      await eventually('its units are back', async () => (await cardOf(spare, failing.position)).stock === 2);
      await buyers[3]!.post('/v1/orders', { productId: spare, quantity: 2, expectedPrice: 2_000 }).expect(201);
    });

    it('leaves the audit exact: every hold paid or returned once, a group order refunded within what it paid, nothing held or in flight', async () => {
      const audit = await quietAudit(zan);
      expect(audit.problems).toEqual([]);
      expect(audit.inFlight).toBe(0);
      expect(audit.heldByGroupBuys).toBe(0);
      expect(audit.refundsPaid).toBe(2_000); // the group order's two refunds, checked against what its hold paid
    });
  });

describeGroupBuys('embedded default', () => startEmbeddedZan({ env: { ZAN_READ_WAIT_MS: '3000' } }));
describeGroupBuys('full stack: PostgreSQL, Kafka, Redis', () => startFullStackInProcess('group-buys'));
