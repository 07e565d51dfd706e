import { ManualClock, seededRandom } from '@zan/platform';
import { CreditsProcessManager } from '../../apps/api/src/process-managers/credits.process-manager';
import { ExpiryScheduler } from '../../apps/api/src/process-managers/expiry.scheduler';
import { TIMER_STORE, type TimerStore } from '@zan/stores';
import { eventually } from '../support/eventually';
import { clientFor, fundedUser, publishArticle } from '../support/http-client';
import { startFullStackInProcess } from '../support/stacks';
import { expectEveryStreamWholeAndInOrder, parseWithCloudEventsSdk, readAsSubscriber, storedStreams, type SubscribedMessage } from '../support/subscriber';

/**
 * The topics as a subscribing service sees them (CONTRACT.md, "Kafka"): a new consumer group from the
 * beginning of every topic, every message parsed with the official CloudEvents SDK. The story is the
 * one of issue 14: carol's wallet stream holds fundings, tips both ways, red packets sent and
 * claimed, and an expiry refund, which v1 spread over zan.wallet, zan.tip and zan.red-packet.
 */
describe('the subscriber view of the Kafka topics (full stack)', () => {
  const clock = new ManualClock(new Date('2026-01-01T00:00:00Z'));
  let zan: Awaited<ReturnType<typeof startFullStackInProcess>>;
  let messages: SubscribedMessage[];
  let streams: Map<string, number>;
  const ids: { expiringPacket?: string; oldTimerPacket?: string } = {};

  beforeAll(async () => {
    zan = await startFullStackInProcess('subscriber', { clock, random: seededRandom(14) });
    const { client: carol } = await fundedUser(zan.app, 'carol', 20_000);
    const { client: dave } = await fundedUser(zan.app, 'dave', 5_000);
    await publishArticle(zan.app, 'dave', 'a-1');
    await publishArticle(zan.app, 'carol', 'a-2');
    await carol.post('/v1/tips', { authorId: 'dave', articleId: 'a-1', amount: 600 }).expect(201);
    await dave.post('/v1/tips', { authorId: 'carol', articleId: 'a-2', amount: 700 }).expect(201);
    await carol.post('/v1/transfers', { toUserId: 'dave', amount: 50 }).expect(201);
    // A packet claimed in full, one that expires half-claimed, and one whose timer is a v1 one.
    const full = await carol.post('/v1/red-packets', { amount: 300, shares: 2, mode: 'lucky' }).expect(201);
    for (const user of ['dave', 'erin']) await clientFor(zan.app, user).post(`/v1/red-packets/${full.body.redPacketId}/claims`).expect(201);
    const expiring = await carol.post('/v1/red-packets', { amount: 1001, shares: 2, mode: 'equal' }).expect(201);
    ids.expiringPacket = expiring.body.redPacketId;
    await dave.post(`/v1/red-packets/${ids.expiringPacket}/claims`).expect(201);
    const old = await carol.post('/v1/red-packets', { amount: 400, shares: 4, mode: 'equal' }).expect(201);
    ids.oldTimerPacket = old.body.redPacketId;
    const last = await carol.post('/v1/wallets/me/fundings', { amount: 1, cardId: 'card-carol' }).expect(201);

    // Once the process manager has reacted to everything (it sets the timers too), store the last
    // timer as v1 did: without a cause. It must still fire, and still link its expiry to the send.
    const credits = zan.app.get(CreditsProcessManager);
    await eventually('the reactions', async () => credits.handledThrough >= BigInt(last.body.position));
    const scheduler = zan.app.get(ExpiryScheduler);
    const timers = zan.app.get<TimerStore>(TIMER_STORE);
    expect((await timers.due(new Date('2026-01-03T00:00:00Z'), 100)).map((t) => Boolean(t.cause))).toEqual([true, true]);
    await timers.schedule(`red-packet:${ids.oldTimerPacket}`, new Date(old.body.expiresAt));
    clock.advance(24 * 60 * 60 * 1000);
    await scheduler.runDue();
    await eventually('both refunds', async () => (await carol.get('/v1/wallets/me')).body.balance === 20_000 - 600 + 700 - 50 - 300 - 501 + 1);

    messages = await readAsSubscriber(zan.env);
    streams = await storedStreams(zan.env);
  }, 180_000);

  afterAll(async () => {
    await zan?.close();
  }, 60_000);

  const typeOf = (m: SubscribedMessage) => /^zan\.([A-Za-z]+)\.v\d+$/.exec(m.headers.ce_type!)![1];
  const dataOf = (m: SubscribedMessage) => JSON.parse(m.value) as Record<string, unknown>;

  it('has every stream whole on its category topic, revisions contiguous from 0 and in order', () => {
    const bySubject = expectEveryStreamWholeAndInOrder(messages, streams, zan.env.ZAN_TOPIC_PREFIX!);
    const carol = bySubject.get('wallet-carol')!;
    expect(carol.map((m) => Number(m.headers.ce_sequence))).toEqual(carol.map((_, i) => i));
    expect(new Set(carol.map((m) => m.topic))).toEqual(new Set([`${zan.env.ZAN_TOPIC_PREFIX}.wallet`]));
    expect(new Set(carol.map(typeOf))).toEqual(
      new Set([
        'WalletOpened',
        'VerificationRequested',
        'WalletVerified',
        'BankCardLinked',
        'WalletFunded',
        'TipPraised',
        'TipReceived',
        'FundsTransferred',
        'RedPacketSent',
        'RedPacketRefunded',
      ]),
    );
  });

  it('has no topic but one per stream category: zan.tip is retired', () => {
    const prefix = zan.env.ZAN_TOPIC_PREFIX!;
    expect(new Set(messages.map((m) => m.topic))).toEqual(new Set([`${prefix}.wallet`, `${prefix}.red-packet`, `${prefix}.article`]));
  });

  it('parses every message with the CloudEvents SDK, Zan extension attributes included', () => {
    for (const message of messages) {
      const parsed = parseWithCloudEventsSdk(message);
      // v1's names are not extension attributes: the SDK drops them, hence ce_sequence and ce_zanposition.
      expect(parsed).not.toHaveProperty('zan_position');
    }
  });

  it('links a send, its escrow, its expiry and the refund by causation, with the correlation id of the send', () => {
    for (const redPacketId of [ids.expiringPacket!, ids.oldTimerPacket!]) {
      const find = (type: string) => messages.find((m) => typeOf(m) === type && dataOf(m).redPacketId === redPacketId)!;
      const [sent, escrowed, expired, refunded] = ['RedPacketSent', 'RedPacketEscrowed', 'RedPacketExpired', 'RedPacketRefunded'].map(find);
      const correlation = sent!.headers.ce_correlationid;
      expect(correlation).toEqual(expect.any(String));
      const chain = [sent, escrowed, expired, refunded].map((m) => ({
        type: typeOf(m!),
        correlation: m!.headers.ce_correlationid,
        causation: m!.headers.ce_causationid,
      }));
      expect(chain).toEqual([
        { type: 'RedPacketSent', correlation, causation: sent!.headers.ce_causationid },
        { type: 'RedPacketEscrowed', correlation, causation: sent!.headers.ce_id },
        { type: 'RedPacketExpired', correlation, causation: escrowed!.headers.ce_id },
        { type: 'RedPacketRefunded', correlation, causation: expired!.headers.ce_id },
      ]);
    }
  });

  it('links every credit to the debit or claim it answers, keeping its correlation id', () => {
    const byId = new Map(messages.map((m) => [m.headers.ce_id!, m]));
    const answers: Record<string, string> = {
      TipReceived: 'TipPraised',
      TransferReceived: 'FundsTransferred',
      RedPacketShareReceived: 'RedPacketClaimed',
      RedPacketRefunded: 'RedPacketExpired',
    };
    const credits = messages.filter((m) => typeOf(m)! in answers);
    expect(credits.length).toBeGreaterThanOrEqual(8);
    for (const credit of credits) {
      const cause = byId.get(credit.headers.ce_causationid!);
      expect(cause && typeOf(cause)).toBe(answers[typeOf(credit)!]);
      expect(credit.headers.ce_correlationid).toBe(cause!.headers.ce_correlationid);
    }
  });
});
