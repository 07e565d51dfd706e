import type { INestApplication } from '@nestjs/common';
import { auditLedger } from '@zan/domain';
import { EVENT_STORE, type EventStore } from '@zan/event-store';
import { ManualClock } from '@zan/platform';
import { eventually } from '../support/eventually';
import { type Client, clientFor, fundedUser } from '../support/http-client';
import { startEmbeddedZan, startFullStackInProcess } from '../support/stacks';
import { readAsSubscriber } from '../support/subscriber';

/** Paying in stores and bills (CONTRACT v1.1, Commerce): payment codes over HTTP, on both stacks. */
type Stack = { app: INestApplication; env?: Record<string, string>; close(): Promise<void> };

const scenarios = (label: string, start: (clock: ManualClock) => Promise<Stack>) =>
  describe(`paying by code (${label})`, () => {
    const clock = new ManualClock(new Date('2026-03-01T02:00:00Z'));
    let zan: Stack;
    /** Every code issued: none may ever appear on Kafka or in a stream id. */
    const issuedCodes: string[] = [];
    let shop: Client;

    beforeAll(async () => {
      zan = await start(clock);
      shop = (await fundedUser(zan.app, 'tea-house', 0, 'business')).client;
    }, 120_000);
    afterAll(async () => {
      await zan?.close();
    }, 60_000);

    const balanceOf = async (client: Client, after = '0') => (await client.get(`/v1/wallets/me?after=${after}`).expect(200)).body.balance as number;
    const issue = async (body: object) => {
      const issued = (await shop.post('/v1/merchants/me/payment-codes', body).expect(201)).body as {
        code: string;
        amount: number | null;
        expiresAt: string | null;
      };
      issuedCodes.push(issued.code);
      return issued;
    };

    /** Every stored event through the audit: money conserved, every debit credited once, nothing in flight once quiet. */
    const expectLedgerClean = async () => {
      const store = zan.app.get<EventStore>(EVENT_STORE);
      await eventually('every payment settled', async () => {
        const audit = auditLedger(await store.readAll({ maxCount: 100_000 }));
        return audit.problems.length === 0 && audit.inFlight === 0;
      });
    };

    it('only a verified business wallet issues codes (422 not-a-merchant)', async () => {
      const { client: person } = await fundedUser(zan.app, 'just-a-person', 0);
      const refused = await person.post('/v1/merchants/me/payment-codes', {}).expect(422);
      expect(refused.body.type).toMatch(/not-a-merchant$/);
      const unverified = clientFor(zan.app, 'unverified-shop');
      await unverified.post('/v1/wallets', { kind: 'business' }).expect(201);
      expect((await unverified.post('/v1/merchants/me/payment-codes', { amount: 100 }).expect(422)).body.type).toMatch(/not-a-merchant$/);
    });

    it('a static code takes any amount the payer enters, any number of times, and both feeds show it', async () => {
      const issued = await issue({ reference: 'table 7' });
      expect(issued).toEqual({
        code: expect.stringMatching(/^[0-9a-f-]{36}$/),
        amount: null,
        expiresAt: null,
        reference: 'table 7',
        position: expect.stringMatching(/^\d+$/),
      });
      const { client: payer } = await fundedUser(zan.app, 'guest-1', 5_000);
      const needsAmount = await payer.post('/v1/payments', { code: issued.code }).expect(422);
      expect(needsAmount.body.type).toMatch(/amount-required$/);
      const paid = await payer.post('/v1/payments', { code: issued.code, amount: 800 }).expect(201);
      expect(paid.body).toEqual({
        paymentId: expect.any(String),
        merchantId: 'tea-house',
        amount: 800,
        reference: 'table 7',
        balance: 4_200,
        position: expect.stringMatching(/^\d+$/),
      });
      const again = await payer.post('/v1/payments', { code: issued.code, amount: 300 }).expect(201);
      expect(await balanceOf(payer, again.body.position)).toBe(3_900);
      expect(await balanceOf(shop, again.body.position)).toBe(1_100);
      const payerFeed = (await payer.get(`/v1/feeds/me?after=${again.body.position}`).expect(200)).body.items;
      expect(payerFeed.slice(0, 2)).toEqual([
        expect.objectContaining({ type: 'merchant-payment-sent', amount: 300, counterpartyId: 'tea-house' }),
        expect.objectContaining({ type: 'merchant-payment-sent', amount: 800, counterpartyId: 'tea-house', refId: paid.body.paymentId }),
      ]);
      const shopFeed = (await shop.get(`/v1/feeds/me?after=${again.body.position}`).expect(200)).body.items;
      expect(shopFeed).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ type: 'merchant-payment-received', amount: 800, counterpartyId: 'guest-1', refId: paid.body.paymentId }),
        ]),
      );
    });

    it('a dynamic code pays its own amount once (410 after), and refuses another amount (422)', async () => {
      const issued = await issue({ amount: 1_500, reference: 'INV-42' });
      expect(issued.amount).toBe(1_500);
      expect(Date.parse(issued.expiresAt!) - clock.now().getTime()).toBe(300_000);
      const { client: payer } = await fundedUser(zan.app, 'guest-2', 5_000);
      const { client: late, position: lateFunded } = await fundedUser(zan.app, 'guest-3', 5_000);
      expect((await payer.post('/v1/payments', { code: issued.code, amount: 1_499 }).expect(422)).body.type).toMatch(/amount-mismatch$/);
      const paid = await payer.post('/v1/payments', { code: issued.code }).expect(201);
      expect(paid.body).toMatchObject({ merchantId: 'tea-house', amount: 1_500, reference: 'INV-42', balance: 3_500 });
      expect((await late.post('/v1/payments', { code: issued.code }).expect(410)).body.type).toMatch(/payment-code-gone$/);
      expect((await payer.post('/v1/payments', { code: issued.code, amount: 1_500 }).expect(410)).body.type).toMatch(/payment-code-gone$/);
      expect(await balanceOf(late, lateFunded)).toBe(5_000);
      expect(await balanceOf(payer, paid.body.position)).toBe(3_500);
    });

    it('a dynamic code pays nothing once it expires (410)', async () => {
      const issued = await issue({ amount: 200, expiresInSeconds: 1 });
      const { client: payer, position: funded } = await fundedUser(zan.app, 'guest-4', 1_000);
      clock.advance(1_000);
      expect((await payer.post('/v1/payments', { code: issued.code }).expect(410)).body.detail).toMatch(/expired/);
      expect(await balanceOf(payer, funded)).toBe(1_000);
    });

    it('answers a repeated Idempotency-Key with the first answer and one debit', async () => {
      const issued = await issue({});
      const { client: payer } = await fundedUser(zan.app, 'guest-5', 1_000);
      const first = await payer.post('/v1/payments', { code: issued.code, amount: 100 }, 'pay-once').expect(201);
      const second = await payer.post('/v1/payments', { code: issued.code, amount: 100 }, 'pay-once').expect(201);
      expect(second.headers['idempotent-replayed']).toBe('true');
      expect(second.body).toEqual(first.body);
      await payer.post('/v1/payments', { code: issued.code, amount: 101 }, 'pay-once').expect(409);
      expect(await balanceOf(payer, first.body.position)).toBe(900);
      // Issuing with a key answers the same code again.
      const code1 = (await shop.post('/v1/merchants/me/payment-codes', { amount: 50 }, 'code-once').expect(201)).body;
      const code2 = (await shop.post('/v1/merchants/me/payment-codes', { amount: 50 }, 'code-once').expect(201)).body;
      expect(code2).toEqual(code1);
    });

    it('refuses unknown codes (404), paying yourself (422), more than the balance (422)', async () => {
      const { client: payer, position: funded } = await fundedUser(zan.app, 'guest-6', 100);
      expect((await payer.post('/v1/payments', { code: 'no-such-code', amount: 1 }).expect(404)).body.type).toMatch(/payment-code-not-found$/);
      const issued = await issue({});
      expect((await shop.post('/v1/payments', { code: issued.code, amount: 1 }).expect(422)).body.type).toMatch(/self-payment$/);
      expect((await payer.post('/v1/payments', { code: issued.code, amount: 101 }).expect(422)).body.type).toMatch(/insufficient-funds$/);
      expect(await balanceOf(payer, funded)).toBe(100);
    });

    it('refuses hostile input with a 400 naming the field, and changes nothing', async () => {
      const { client: payer, position: funded } = await fundedUser(zan.app, 'guest-7', 1_000);
      const { code } = await issue({});
      const payments: unknown[] = [
        {},
        { code: 5, amount: 1 },
        { code: '', amount: 1 },
        { code: 'x'.repeat(129), amount: 1 },
        { code, amount: '100' },
        { code, amount: 1.5 },
        { code, amount: -1 },
        { code, amount: 0 },
        { code, amount: 2 ** 53 },
        { code, amount: null },
        { code, amount: 1, merchantId: 'someone-else' },
        [code],
      ];
      for (const body of payments) {
        const answer = await payer.post('/v1/payments', body as object).expect(400);
        expect(answer.headers['content-type']).toMatch(/problem\+json/);
      }
      const codes: unknown[] = [
        { amount: 0 },
        { amount: '5' },
        { amount: 5, expiresInSeconds: 0 },
        { amount: 5, expiresInSeconds: 86_401 },
        { amount: 5, expiresInSeconds: 1.5 },
        { expiresInSeconds: 60 },
        { reference: '' },
        { reference: 'a\u0000b' },
        { reference: 'x'.repeat(101) },
        { amount: 5, code: 'mine' },
      ];
      for (const body of codes) await shop.post('/v1/merchants/me/payment-codes', body as object).expect(400);
      expect(await balanceOf(payer, funded)).toBe(1_000);
      await payer.post('/v1/payments', { code, amount: 1 }, null).expect(400); // a money-moving POST needs its key
    });

    it('two payers on one dynamic code at once: exactly one pays, the others hear 410, nobody loses money', async () => {
      const payers = await Promise.all(Array.from({ length: 8 }, (_, i) => fundedUser(zan.app, `racer-${i}`, 2_000).then((u) => u.client)));
      // The shop's balance once every earlier payment is credited and read at the head of the log.
      await expectLedgerClean();
      const head = (await zan.app.get<EventStore>(EVENT_STORE).headPosition()) ?? 0n;
      const shopBefore = await balanceOf(shop, head.toString());
      const { code } = await issue({ amount: 700 });
      const answers = await Promise.all(payers.map((payer) => payer.post('/v1/payments', { code })));
      expect(answers.map((a) => a.status).sort()).toEqual([201, 410, 410, 410, 410, 410, 410, 410]);
      const winner = answers.findIndex((a) => a.status === 201);
      await expectLedgerClean();
      const balances = await Promise.all(payers.map((payer) => balanceOf(payer, answers[winner]!.body.position)));
      expect(balances).toEqual(payers.map((_, i) => (i === winner ? 1_300 : 2_000)));
      expect(await balanceOf(shop, answers[winner]!.body.position)).toBe(shopBefore + 700);
    });

    it('keeps the ledger whole: every payment debited once and credited once', async () => {
      await expectLedgerClean();
      const streams = new Set((await zan.app.get<EventStore>(EVENT_STORE).readAll({ maxCount: 100_000 })).map((event) => event.streamId));
      const codeStreams = [...streams].filter((id) => id.startsWith('payment-code-'));
      expect(codeStreams.length).toBeGreaterThanOrEqual(issuedCodes.length);
      for (const id of codeStreams) expect(id).toMatch(/^payment-code-[0-9a-f]{64}$/);
    });

    if (label === 'full stack') {
      it('publishes the codes on <prefix>.payment-code as CloudEvents, and never a code itself', async () => {
        const messages = await readAsSubscriber(zan.env!);
        const onTopic = messages.filter((m) => m.topic === `${zan.env!.ZAN_TOPIC_PREFIX}.payment-code`);
        expect(onTopic.map((m) => m.headers.ce_type)).toEqual(expect.arrayContaining(['zan.PaymentCodeIssued.v1', 'zan.PaymentCodeRedeemed.v1']));
        for (const m of onTopic) expect(m.key).toBe(m.headers.ce_subject);
        const types = new Set(messages.map((m) => m.headers.ce_type));
        for (const type of ['zan.MerchantPaid.v1', 'zan.MerchantPaymentReceived.v1']) expect(types).toContain(type);
        // A payment given back happens only when racers were debited before the code's redemption
        // refused them (the race above may also refuse them all up front): published iff stored.
        const stored = await zan.app.get<EventStore>(EVENT_STORE).readAll({ maxCount: 100_000 });
        expect(types.has('zan.MerchantPaymentReturned.v1')).toBe(stored.some((event) => event.type === 'MerchantPaymentReturned'));
        const everything = messages.map((m) => `${m.key}|${JSON.stringify(m.headers)}|${m.value}`).join('\n');
        for (const code of issuedCodes) expect(everything).not.toContain(code);
      }, 60_000);
    }
  });

scenarios('embedded', (clock) => startEmbeddedZan({ clock }));
scenarios('full stack', (clock) => startFullStackInProcess('paying-by-code', { clock }));
