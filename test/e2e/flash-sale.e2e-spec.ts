import { auditLedger } from '@zan/domain';
import { EVENT_STORE, type EventStore } from '@zan/event-store';
import { type Client, fundedUser } from '../support/http-client';
import { readAllEvents } from '../support/read-model-snapshot';
import { type RunningZan, startEmbeddedZan, startFullStackInProcess } from '../support/stacks';

const BUYERS = 150;
const STOCK = 10;
const PRICE = 100;

const later = (...positions: string[]): string => positions.reduce((a, b) => (BigInt(a) > BigInt(b) ? a : b), '0');

/** Waits until the credits have caught up (nothing in flight) and answers the audit of the whole log. */
const quietAudit = async (zan: RunningZan) => {
  const store = zan.app.get<EventStore>(EVENT_STORE);
  for (let round = 0; ; round++) {
    const audit = auditLedger(await readAllEvents(store));
    if ((audit.inFlight === 0 && audit.problems.length === 0) || round > 100) return audit;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

/** `count` funded buyers, made a few at a time. */
const crowd = async (zan: RunningZan, prefix: string, count: number, funding: number): Promise<Client[]> => {
  const buyers: Client[] = [];
  for (let i = 0; i < count; i += 25) {
    const batch = Array.from({ length: Math.min(25, count - i) }, (_, k) => fundedUser(zan.app, `${prefix}-${i + k}`, funding).then((u) => u.client));
    buyers.push(...(await Promise.all(batch)));
  }
  return buyers;
};

/**
 * A flash sale (issue 19): a crowd presses Buy at once on a small stock. Exactly the stock is sold and
 * paid, every other buyer hears 410 sold-out, the stock never goes below 0, every paid order credits
 * the merchant once, retries are answered the same, and the money equation is exact.
 */
const describeFlashSale = (name: string, start: () => Promise<RunningZan>) =>
  describe(`flash sale: ${BUYERS} buyers at once on ${STOCK} units (${name})`, () => {
    let zan: RunningZan;
    let shop: Client;
    let buyers: Client[];
    beforeAll(async () => {
      zan = await start();
      shop = (await fundedUser(zan.app, 'flash-shop', 0, 'business')).client;
      buyers = await crowd(zan, 'flash-buyer', BUYERS, 1_000);
    }, 300_000);
    afterAll(async () => {
      await zan?.close();
    }, 60_000);

    it('sells exactly the stock, answers everyone else 410 sold-out, credits each paid order once; the audit is exact', async () => {
      const listed = (await shop.post('/v1/merchants/me/products', { title: '限量手机', price: PRICE, stock: STOCK }).expect(201)).body as {
        productId: string;
      };
      const { productId } = listed;
      const body = { productId, quantity: 1, expectedPrice: PRICE };
      const answers = await Promise.all(buyers.map((buyer) => buyer.post('/v1/orders', body, `flash-${buyer.userId}`)));

      const paid = answers.filter((a) => a.status === 201);
      const refused = answers.filter((a) => a.status !== 201);
      expect(paid).toHaveLength(STOCK);
      expect(refused.map((a) => [a.status, String(a.body.type).split('/').pop()])).toEqual(refused.map(() => [410, 'sold-out']));
      for (const order of paid) expect(order.body).toMatchObject({ amount: PRICE, status: 'paid', balance: 1_000 - PRICE });

      // Retries with the same keys answer the same, and change nothing.
      const winner = buyers[answers.indexOf(paid[0]!)]!;
      const loser = buyers[answers.indexOf(refused[0]!)]!;
      expect((await winner.post('/v1/orders', body, `flash-${winner.userId}`).expect(201)).body).toEqual(paid[0]!.body);
      expect((await loser.post('/v1/orders', body, `flash-${loser.userId}`).expect(410)).body.type).toMatch(/sold-out$/);
      // A late buyer, answered from the sold-out state before the order runs; the key keeps that answer,
      // and is refused for another request. Bad input is still the route's to answer first.
      const late = await loser.post('/v1/orders', body, `late-${loser.userId}`).expect(410);
      expect(late.body.type).toMatch(/sold-out$/);
      const lateAgain = await loser.post('/v1/orders', body, `late-${loser.userId}`).expect(410);
      expect(lateAgain.headers['idempotent-replayed']).toBe('true');
      expect(lateAgain.body).toEqual(late.body);
      expect((await loser.post('/v1/orders', { ...body, quantity: 2 }, `late-${loser.userId}`).expect(409)).body.type).toMatch(/idempotency-key-reused$/);
      expect((await loser.post('/v1/orders', { ...body, note: 'x' }).expect(400)).body.type).toMatch(/validation$/);
      expect((await loser.post('/v1/orders', { ...body, quantity: 1.5 }).expect(400)).body.type).toMatch(/validation$/);

      const at = later(...paid.map((a) => a.body.position as string));
      expect((await shop.get(`/v1/products/${productId}?after=${at}`).expect(200)).body).toMatchObject({ stock: 0, sold: STOCK });
      const audit = await quietAudit(zan);
      expect(audit.problems).toEqual([]);
      expect(audit.inFlight).toBe(0);

      // The product's stream: exactly STOCK units taken, stockLeft counting down to 0 and never below; none released.
      const events = (await readAllEvents(zan.app.get<EventStore>(EVENT_STORE))).filter((e) => e.streamId === `product-${productId}`);
      const reserved = events.filter((e) => e.type === 'ProductStockReserved').map((e) => (e.data as { stockLeft: number }).stockLeft);
      expect(reserved).toEqual(Array.from({ length: STOCK }, (_, i) => STOCK - 1 - i));
      expect(events.filter((e) => e.type === 'ProductStockReleased')).toEqual([]);
      // Each paid order credited the merchant once: the shop holds exactly the sales.
      const credits = (await readAllEvents(zan.app.get<EventStore>(EVENT_STORE))).filter(
        (e) => e.streamId === 'wallet-flash-shop' && e.type === 'OrderPaymentReceived',
      );
      expect(credits).toHaveLength(STOCK);
      expect(audit.balances.get('wallet-flash-shop')).toBe(STOCK * PRICE);
    }, 120_000);
  });

describeFlashSale('embedded default', () => startEmbeddedZan({ env: { ZAN_READ_WAIT_MS: '3000' } }));
describeFlashSale('full stack: PostgreSQL, Kafka, Redis', () => startFullStackInProcess('flash'));
