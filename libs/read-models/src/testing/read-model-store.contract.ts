import { groupBuyStream, productStream, walletBalanceDelta, walletStream, type GroupBuyMember, type StoredEvent } from '@zan/contracts';
import fc from 'fast-check';
import { InvalidFeedCursor } from '../projections';
import type { Applied, ReadModelStore, RevisionGap } from '../read-model-store.port';
import type { FeedItem } from '../views';
import { statsContract, statsSnapshot } from './stats.contract';
import { Workload, kafkaInterleaving, seededRandom } from './workload';

export interface ContractStoreOptions {
  feedLength?: number;
}

/** Makes a new, empty store that no other store of the suite shares keys with. */
export type CreateStore = (options?: ContractStoreOptions) => Promise<ReadModelStore>;

export interface ContractSettings {
  /** fast-check runs of the interleaving property (each run applies a workload twice). */
  propertyRuns?: number;
}

const USERS = ['alice', 'bob', 'carol', 'dave'];
const PACKETS = ['rp-1', 'rp-2', 'rp-3'];

/** Thirty-eight events touching every read model; expected values below are worked out by hand. */
const story = (): Workload =>
  new Workload()
    .open('alice')
    .open('bob')
    .open('carol', 'business')
    .open('dave')
    .linkCard('bob')
    .fund('alice', 100_000)
    .fund('carol', 50_000)
    .transfer('alice', 'carol', 2_000)
    .tip('alice', 'bob', 'art-1', 500)
    .tip('carol', 'bob', 'art-2', 1_000)
    .tip('alice', 'bob', 'art-1', 700)
    .tip('alice', 'dave', 'art-9', 1_200)
    .withdraw('carol', 3_000)
    .sendRedPacket('alice', 'rp-1', 1_000, 3, 'Gong xi')
    .claim('rp-1', 'bob', 300)
    .claim('rp-1', 'carol', 200)
    .sendRedPacket('carol', 'rp-2', 500, 2)
    .claim('rp-2', 'alice', 100)
    .claim('rp-2', 'bob', 100) // the last share takes the 400 left
    .expire('rp-1')
    .sendRedPacket('bob', 'rp-3', 300, 2)
    .claim('rp-3', 'dave', 100)
    .verify('bob');

const applyAll = async (store: ReadModelStore, deliveries: Applied[]): Promise<boolean[]> => {
  const results: boolean[] = [];
  for (const delivery of deliveries) results.push(await store.apply(delivery));
  return results;
};

const wholeFeed = async (store: ReadModelStore, userId: string, pageSize = 3): Promise<FeedItem[]> => {
  const items: FeedItem[] = [];
  let before: string | undefined;
  for (let pages = 0; pages < 10_000; pages++) {
    const page = await store.feed(userId, { limit: pageSize, before });
    items.push(...page.items);
    if (page.nextCursor === undefined) return items;
    before = page.nextCursor;
  }
  throw new Error('feed cursor never ends');
};

/** Everything a reader can see, for comparing two stores. */
const snapshot = async (store: ReadModelStore, users: string[], packets: string[]) => ({
  watermark: await store.watermark(),
  wallets: await Promise.all(users.map((u) => store.wallet(u))),
  earnings: await Promise.all(users.map((u) => store.earnings(u))),
  leaderboard: await store.leaderboard(1000),
  packets: await Promise.all(packets.map((p) => store.redPacket(p))),
  feeds: await Promise.all(users.map((u) => wholeFeed(store, u))),
  stats: await statsSnapshot(store, '2024-12-31', '2025-01-02'),
});

export const readModelStoreContract = (name: string, createStore: CreateStore, settings: ContractSettings = {}): void => {
  describe(`ReadModelStore contract: ${name}`, () => {
    const opened: ReadModelStore[] = [];
    const newStore = async (options?: ContractStoreOptions) => {
      const store = await createStore(options);
      opened.push(store);
      return store;
    };

    afterEach(async () => {
      for (const store of opened.splice(0)) {
        await store.clear();
        await store.close();
      }
    });

    statsContract(() => newStore());

    it('projects a workload into balances, earnings, leaderboard, red packets and feeds', async () => {
      const store = await newStore();
      const workload = story();
      expect(await applyAll(store, workload.deliveries())).toEqual(workload.events.map(() => true));

      expect(await store.wallet('alice')).toEqual({ userId: 'alice', kind: 'individual', balance: 95_200, currency: 'CNY', verification: 'none' });
      expect(await store.wallet('bob')).toEqual({ userId: 'bob', kind: 'individual', balance: 2_600, currency: 'CNY', verification: 'verified' });
      expect(await store.wallet('carol')).toEqual({ userId: 'carol', kind: 'business', balance: 47_700, currency: 'CNY', verification: 'none' });
      expect((await store.wallet('dave'))?.balance).toBe(1_300);
      expect(await store.wallet('nobody')).toBeUndefined();

      expect(await store.earnings('bob')).toEqual({
        authorId: 'bob',
        total: 2_200,
        tips: 3,
        byArticle: { 'art-1': { total: 1_200, tips: 2 }, 'art-2': { total: 1_000, tips: 1 } },
      });
      expect(await store.earnings('alice')).toEqual({ authorId: 'alice', total: 0, tips: 0, byArticle: {} });
      expect(await store.leaderboard(10)).toEqual([
        { authorId: 'bob', total: 2_200, tips: 3 },
        { authorId: 'dave', total: 1_200, tips: 1 },
      ]);

      const expiresAt = '2025-01-02T00:00:00.000Z';
      expect(await store.redPacket('rp-1')).toEqual({
        redPacketId: 'rp-1',
        senderId: 'alice',
        amount: 1_000,
        shares: 3,
        claimed: [
          { userId: 'bob', amount: 300 },
          { userId: 'carol', amount: 200 },
        ],
        remaining: 0,
        status: 'expired',
        expiresAt,
        mode: 'lucky',
        greeting: 'Gong xi',
      });
      expect(await store.redPacket('rp-2')).toEqual({
        redPacketId: 'rp-2',
        senderId: 'carol',
        amount: 500,
        shares: 2,
        claimed: [
          { userId: 'alice', amount: 100 },
          { userId: 'bob', amount: 400 },
        ],
        remaining: 0,
        status: 'exhausted',
        expiresAt,
        mode: 'lucky',
      });
      expect(await store.redPacket('rp-3')).toMatchObject({ claimed: [{ userId: 'dave', amount: 100 }], remaining: 200, status: 'open' });
      expect(await store.redPacket('rp-404')).toBeUndefined();

      const at = (i: number) => workload.events[i].occurredAt;
      expect(await wholeFeed(store, 'alice')).toEqual([
        { type: 'red-packet-refunded', at: at(31), amount: 500, counterpartyId: null, refId: 'rp-1' },
        { type: 'red-packet-claimed', at: at(27), amount: 100, counterpartyId: 'carol', refId: 'rp-2' },
        { type: 'red-packet-sent', at: at(18), amount: 1_000, counterpartyId: null, refId: 'rp-1' },
        { type: 'tip-sent', at: at(15), amount: 1_200, counterpartyId: 'dave', refId: expect.any(String) },
        { type: 'tip-sent', at: at(13), amount: 700, counterpartyId: 'bob', refId: expect.any(String) },
        { type: 'tip-sent', at: at(9), amount: 500, counterpartyId: 'bob', refId: expect.any(String) },
        { type: 'transfer-sent', at: at(7), amount: 2_000, counterpartyId: 'carol', refId: expect.any(String) },
        { type: 'funding', at: at(5), amount: 100_000, counterpartyId: null, refId: expect.any(String) },
      ]);
      expect((await wholeFeed(store, 'bob')).map((i) => [i.type, i.amount])).toEqual([
        ['red-packet-sent', 300],
        ['red-packet-claimed', 400],
        ['red-packet-claimed', 300],
        ['tip-received', 700],
        ['tip-received', 1_000],
        ['tip-received', 500],
      ]);
      expect((await wholeFeed(store, 'carol')).map((i) => i.type)).toEqual([
        'red-packet-sent',
        'red-packet-claimed',
        'withdrawal',
        'tip-sent',
        'transfer-received',
        'funding',
      ]);
      expect(await store.watermark()).toBe(workload.events[workload.events.length - 1].position);
    });

    it('ignores every redelivery and re-send: nothing changes and no feed item appears twice', async () => {
      const once = await newStore();
      const again = await newStore();
      const deliveries = story().deliveries();
      await applyAll(once, deliveries);

      const random = seededRandom(7);
      const withCopies: Applied[] = [];
      for (const delivery of deliveries) {
        const copies = 1 + Math.floor(random() * 3);
        for (let i = 0; i < copies; i++) withCopies.push(delivery);
      }
      // Re-sent after a relay crash: the same events again at new offsets, after later ones.
      const resent = deliveries.filter((_, i) => i % 4 === 0);
      const results = await applyAll(again, [...withCopies, ...resent]);

      expect(results.filter(Boolean)).toHaveLength(deliveries.length);
      expect(await snapshot(again, USERS, PACKETS)).toEqual(await snapshot(once, USERS, PACKETS));
      for (const user of USERS) {
        const items = await wholeFeed(again, user);
        expect(new Set(items.map((i) => `${i.type}/${i.refId}/${i.at}`)).size).toBe(items.length);
      }
    });

    it('gives the in-order state whatever the interleaving of categories', async () => {
      const inOrder = await newStore();
      const deliveries = story().deliveries();
      await applyAll(inOrder, deliveries);
      const expected = await snapshot(inOrder, USERS, PACKETS);

      for (const seed of [1, 2, 3]) {
        const shuffled = await newStore();
        const order = kafkaInterleaving(deliveries, seededRandom(seed), seed === 3 ? 0.3 : 0);
        expect(order.map((d) => d.event.id)).not.toEqual(deliveries.map((d) => d.event.id));
        await applyAll(shuffled, order);
        expect(await snapshot(shuffled, USERS, PACKETS)).toEqual(expected);
      }
    });

    it('advances the watermark only along a contiguous prevPosition chain', async () => {
      const store = await newStore();
      // Positions from 10^18 - 7 cross from 18 to 19 digits, where text order and number order part.
      const workload = new Workload().open('alice').tip('alice', 'bob', 'a', 500).fund('alice', 100).sendRedPacket('alice', 'rp', 100, 1);
      const [opened, praised, received, funded, sent, escrowed] = workload.deliveries();
      expect(praised.category).toBe('wallet');
      expect(sent.category).toBe('wallet');
      expect(escrowed.category).toBe('red-packet');
      expect(String(opened.event.position).length).toBeLessThan(String(escrowed.event.position).length);

      expect(await store.watermark()).toBe(0n);
      // Out of global order across streams and topics, as partitions deliver; each stream in its own order.
      expect(received.event.streamId).not.toBe(praised.event.streamId);
      const steps: [Applied, bigint][] = [
        [received, 0n],
        [escrowed, 0n],
        [opened, opened.event.position],
        [opened, opened.event.position],
        [praised, received.event.position],
        [funded, funded.event.position],
        [sent, escrowed.event.position],
      ];
      for (const [delivery, watermark] of steps) {
        await store.apply(delivery);
        expect(await store.watermark()).toBe(watermark);
      }
    });

    it('skips a poison event: the watermark passes it, later copies are duplicates, no view changes', async () => {
      const store = await newStore();
      const reference = await newStore();
      const workload = new Workload().open('alice').fund('alice', 700).fund('alice', 300).tip('alice', 'bob', 'a', 500);
      const [opened, poison, funded, praised, received] = workload.deliveries();
      await applyAll(reference, [opened, funded, praised, received]);

      await store.apply(opened);
      const skipped = {
        category: poison.category,
        streamId: poison.event.streamId,
        revision: poison.event.revision,
        position: poison.event.position,
        prevPosition: poison.prevPosition,
      };
      expect(await store.skip(skipped)).toBe(true);
      expect(await store.watermark()).toBe(poison.event.position);
      expect(await store.skip(skipped)).toBe(false);
      expect(await store.apply(poison)).toBe(false); // a good copy arriving later: already taken as applied
      expect(await applyAll(store, [funded, praised, received])).toEqual([true, true, true]);

      expect(await store.watermark()).toBe(received.event.position);
      expect({ ...(await snapshot(store, USERS, [])), watermark: 0n }).toEqual({ ...(await snapshot(reference, USERS, [])), watermark: 0n });
      expect(await store.wallet('alice')).toMatchObject({ balance: 300 - 500 });
      await expect(store.skip({ ...skipped, revision: undefined })).rejects.toThrow(/together/);
      await expect(store.skip({ ...skipped, position: poison.prevPosition })).rejects.toThrow(/not below/);
    });

    it('skips a message that names no stream as a link of the position chain only', async () => {
      const store = await newStore();
      const [first, second, third] = new Workload().open('alice').open('bob').open('carol').deliveries();
      await store.apply(third); // ahead: pending
      expect(await store.skip({ category: 'wallet', position: second.event.position, prevPosition: second.prevPosition })).toBe(true);
      expect(await store.skip({ category: 'wallet', position: second.event.position, prevPosition: second.prevPosition })).toBe(false);
      expect(await store.watermark()).toBe(0n);
      await store.apply(first);
      expect(await store.watermark()).toBe(third.event.position);
      expect(await store.skip({ category: 'wallet', position: second.event.position, prevPosition: second.prevPosition })).toBe(false);
      expect(await store.wallet('bob')).toBeUndefined();
      expect(await store.apply(second)).toBe(true); // nothing recorded its stream: a good copy still applies
      expect((await store.wallet('bob'))?.kind).toBe('individual');
      expect((await store.status()).skipped).toBe(1);
    });

    it("counts and tells a jump in a stream's revisions; a dead letter past one is not recorded, so the stream goes on", async () => {
      const store = await newStore();
      const gaps: RevisionGap[] = [];
      const stop = store.onRevisionGap!((gap) => gaps.push(gap));
      const [opened, first, second, third, fourth] = new Workload()
        .open('alice')
        .fund('alice', 700)
        .fund('alice', 300)
        .fund('alice', 5)
        .fund('alice', 1)
        .deliveries();
      await store.apply(opened!);
      // A message naming revision 3 of alice's stream where 1 is next (a forged ce_sequence), dead-lettered.
      const forged = { category: 'wallet', streamId: 'wallet-alice', revision: 3, position: first!.event.position, prevPosition: first!.prevPosition };
      expect(await store.skip(forged)).toBe(true);
      expect(await applyAll(store, [first!, second!])).toEqual([true, true]);
      // Revision 4 where 3 is next: applied, and told; revision 3 arriving later is then taken as applied.
      expect(await store.apply(fourth!)).toBe(true);
      expect(await store.apply(third!)).toBe(false);
      expect(await store.wallet('alice')).toMatchObject({ balance: 700 + 300 + 1 });
      expect(gaps).toEqual([
        { category: 'wallet', streamId: 'wallet-alice', revision: 3, last: 0, applied: false },
        { category: 'wallet', streamId: 'wallet-alice', revision: 4, last: 2, applied: true },
      ]);
      expect(await store.status()).toMatchObject({ revisionGaps: 2, skipped: 1 });
      stop();
      expect(await store.apply({ ...second!, event: { ...second!.event, revision: 9 } })).toBe(true);
      expect(gaps).toHaveLength(2);
    });

    it('reports its watermark, pending events and counts per category in status()', async () => {
      const store = await newStore();
      const workload = new Workload().open('zed');
      workload.events.push(...story().events.map((e) => ({ ...e, position: e.position + 100n })));
      const deliveries = workload.deliveries();
      const empty = await store.status();
      expect(empty).toMatchObject({ watermark: 0n, pending: 0, applied: 0, skipped: 0, byCategory: {} });
      expect(empty.generation).toEqual(expect.any(String));

      // Everything but the first event, which is missing: all of it waits, pending, behind it.
      const last = deliveries[deliveries.length - 1]!;
      await applyAll(store, [...deliveries.slice(1), ...deliveries.slice(1, 3)]);
      expect(await store.status()).toMatchObject({ watermark: 0n, pending: deliveries.length - 1, applied: deliveries.length - 1 });
      const [first] = deliveries;
      await store.skip({
        category: first!.category,
        streamId: first!.event.streamId,
        revision: first!.event.revision,
        position: first!.event.position,
        prevPosition: 0n,
      });

      const status = await store.status();
      const perCategory = (category: string) => deliveries.filter((d) => d.category === category).length;
      expect(status).toMatchObject({ watermark: last.event.position, pending: 0, applied: deliveries.length - 1, skipped: 1 });
      expect(status.byCategory).toEqual({
        wallet: { applied: perCategory('wallet') - 1, skipped: 1 },
        'red-packet': { applied: perCategory('red-packet'), skipped: 0 },
      });
      expect(status.rebuilding).toBeUndefined();
    });

    it('projects group buys: the deal, its members and status; a completed group’s orders, sold count, sales and feeds', async () => {
      const workload = new Workload();
      for (const user of ['ann', 'bo', 'cy']) workload.open(user).fund(user, 5_000);
      workload.open('shop', 'business');
      workload.append(productStream('p1'), 'ProductListed', {
        productId: 'p1',
        merchantId: 'shop',
        merchantName: 'Shop',
        title: 'Mooncakes',
        price: 3_000,
        stock: null,
      });
      const opened = (groupBuyId: string, groupSize: number) =>
        workload.append(groupBuyStream(groupBuyId), 'GroupBuyOpened', {
          groupBuyId,
          productId: 'p1',
          merchantId: 'shop',
          groupPrice: 2_000,
          groupSize,
          expiresAt: '2025-01-02T00:00:00.000Z',
        });
      const join = (groupBuyId: string, buyerId: string, members: number): GroupBuyMember => {
        const hold = { groupBuyId, joinId: `${groupBuyId}-${buyerId}`, productId: 'p1', merchantId: 'shop', buyerId, amount: 2_000 };
        const held = workload.append(walletStream(buyerId), 'GroupBuyFundsHeld', hold);
        const member = { buyerId, joinId: hold.joinId, amount: 2_000, holdId: held.id };
        workload.append(groupBuyStream(groupBuyId), 'GroupBuyJoined', { groupBuyId, ...member, members });
        return member;
      };
      opened('gb-full', 2);
      opened('gb-failed', 3);
      const full = [join('gb-full', 'ann', 1), join('gb-full', 'bo', 2)];
      workload.append(groupBuyStream('gb-full'), 'GroupBuyCompleted', { groupBuyId: 'gb-full', productId: 'p1', merchantId: 'shop', members: full });
      for (const { buyerId, joinId, amount } of full) {
        workload.append(walletStream('shop'), 'GroupBuyPaymentReceived', {
          groupBuyId: 'gb-full',
          orderId: joinId,
          productId: 'p1',
          merchantId: 'shop',
          buyerId,
          amount,
        });
      }
      const failed = [join('gb-failed', 'cy', 1)];
      workload.append(groupBuyStream('gb-failed'), 'GroupBuyFailed', { groupBuyId: 'gb-failed', productId: 'p1', merchantId: 'shop', members: failed });
      workload.append(walletStream('cy'), 'GroupBuyFundsReturned', {
        groupBuyId: 'gb-failed',
        joinId: failed[0]!.joinId,
        buyerId: 'cy',
        amount: 2_000,
        reason: 'failed',
      });
      opened('gb-open', 4);
      join('gb-open', 'ann', 1);

      const inOrder = await newStore();
      await applyAll(inOrder, workload.deliveries());
      const deal = { productId: 'p1', groupPrice: 2_000, expiresAt: '2025-01-02T00:00:00.000Z' };
      expect(await inOrder.groupBuy('gb-full')).toEqual({ groupBuyId: 'gb-full', ...deal, groupSize: 2, members: 2, status: 'completed' });
      expect(await inOrder.groupBuy('gb-failed')).toEqual({ groupBuyId: 'gb-failed', ...deal, groupSize: 3, members: 1, status: 'failed' });
      expect(await inOrder.groupBuy('gb-open')).toEqual({ groupBuyId: 'gb-open', ...deal, groupSize: 4, members: 1, status: 'open' });
      expect(await inOrder.groupBuy('gb-none')).toBeUndefined();
      expect((await inOrder.product('p1'))?.sold).toBe(2);
      const order = (buyerId: string) => ({
        orderId: `gb-full-${buyerId}`,
        productId: 'p1',
        merchantId: 'shop',
        buyerId,
        quantity: 1,
        unitPrice: 2_000,
        amount: 2_000,
        refunded: 0,
        status: 'paid',
        groupBuyId: 'gb-full',
        at: expect.any(String),
      });
      expect((await inOrder.orders({ buyerId: 'ann' }, { limit: 10 })).items).toEqual([order('ann')]);
      expect((await inOrder.orders({ buyerId: 'cy' }, { limit: 10 })).items).toEqual([]);
      const first = await inOrder.orders({ merchantId: 'shop' }, { limit: 1 });
      const second = await inOrder.orders({ merchantId: 'shop' }, { limit: 1, before: first.nextCursor });
      expect([...first.items, ...second.items]).toEqual([order('bo'), order('ann')]);
      expect(second.nextCursor).toBeUndefined();
      const [day] = await inOrder.sales('shop', '2025-01-01', '2025-01-01');
      expect(day).toEqual({ day: '2025-01-01', orders: 2, gross: 4_000, refunds: 0, net: 4_000 });
      const types = async (user: string) => (await wholeFeed(inOrder, user, 50)).map((item) => `${item.type}:${item.amount}:${item.refId}`);
      expect(await types('cy')).toEqual(['group-buy-returned:2000:gb-failed', 'group-buy-held:2000:gb-failed', 'funding:5000:f-3']);
      expect((await types('shop')).slice(0, 2)).toEqual(['group-buy-order-received:2000:gb-full-bo', 'group-buy-order-received:2000:gb-full-ann']);
      expect((await inOrder.wallet('shop'))?.balance).toBe(4_000);
      expect((await inOrder.wallet('ann'))?.balance).toBe(1_000);

      const shuffled = await newStore();
      await applyAll(shuffled, kafkaInterleaving(workload.deliveries(), seededRandom(5), 0.3));
      for (const id of ['gb-full', 'gb-failed', 'gb-open']) expect(await shuffled.groupBuy(id)).toEqual(await inOrder.groupBuy(id));
      expect(await shuffled.product('p1')).toEqual(await inOrder.product('p1'));
      expect(await shuffled.orders({ merchantId: 'shop' }, { limit: 10 })).toEqual(await inOrder.orders({ merchantId: 'shop' }, { limit: 10 }));
    });

    it('pages a feed newest first with an opaque cursor and keeps only the newest items', async () => {
      const store = await newStore({ feedLength: 5 });
      const workload = new Workload().open('alice');
      for (let i = 1; i <= 8; i++) workload.fund('alice', i * 100);
      await applyAll(store, workload.deliveries());

      const first = await store.feed('alice', { limit: 2 });
      expect(first.items.map((i) => i.amount)).toEqual([800, 700]);
      expect(first.nextCursor).toEqual(expect.any(String));
      const second = await store.feed('alice', { limit: 2, before: first.nextCursor });
      expect(second.items.map((i) => i.amount)).toEqual([600, 500]);
      const third = await store.feed('alice', { limit: 2, before: second.nextCursor });
      expect(third.items.map((i) => i.amount)).toEqual([400]);
      expect(third.nextCursor).toBeUndefined();

      const exact = await store.feed('alice', { limit: 5 });
      expect(exact.items).toHaveLength(5);
      expect(exact.nextCursor).toBeUndefined();
      expect((await store.feed('alice', { limit: 50 })).items).toHaveLength(5);
      expect(await store.feed('nobody', { limit: 10 })).toEqual({ items: [] });
      await expect(store.feed('alice', { limit: 2, before: 'not a cursor!' })).rejects.toThrow(InvalidFeedCursor);
      // Only the spelling Zan gives: the same position with a leading zero, or padded, is refused.
      const position = Buffer.from(first.nextCursor!, 'base64url').toString('utf8');
      await expect(store.feed('alice', { limit: 2, before: Buffer.from(`0${position}`).toString('base64url') })).rejects.toThrow(InvalidFeedCursor);
      await expect(store.feed('alice', { limit: 2, before: `${first.nextCursor}=` })).rejects.toThrow(InvalidFeedCursor);
      await expect(store.feed('alice', { limit: 0 })).rejects.toThrow(RangeError);
    });

    it('projects articles: likes standing, tips, likedByMe, and praisers newest first past the likes taken back', async () => {
      const workload = new Workload()
        .open('alice')
        .open('bob')
        .open('carol')
        .linkCard('bob')
        .fund('alice', 10_000)
        .fund('carol', 10_000)
        .tip('alice', 'bob', 'art-1', 600) // counted before the publication arrives: the view waits for it
        .publish('bob', 'art-1', '赞 for Zan')
        .like('art-1', 'alice')
        .like('art-1', 'carol')
        .tip('carol', 'bob', 'art-1', 900)
        .unlike('art-1', 'alice')
        .like('art-1', 'dave')
        .like('art-1', 'alice') // liked again: shown at its new place, once
        .unlike('art-1', 'carol')
        .publish('carol', 'art-2');
      const at = (i: number) => workload.events[i].occurredAt;
      const expectViews = async (store: ReadModelStore) => {
        expect(await store.article('art-1', 'alice')).toEqual({
          articleId: 'art-1',
          authorId: 'bob',
          title: '赞 for Zan',
          likes: 2,
          tips: 2,
          total: 1_500,
          likedByMe: true,
        });
        expect(await store.article('art-1', 'carol')).toMatchObject({ likes: 2, likedByMe: false });
        expect(await store.article('art-1')).toMatchObject({ likedByMe: false });
        expect(await store.article('art-2', 'bob')).toEqual({
          articleId: 'art-2',
          authorId: 'carol',
          title: 'Title of art-2',
          likes: 0,
          tips: 0,
          total: 0,
          likedByMe: false,
        });
        expect(await store.article('art-404', 'bob')).toBeUndefined();
        const whole = [
          { userId: 'alice', at: at(15), amount: 0 },
          { userId: 'dave', at: at(14), amount: 0 },
          { userId: 'carol', at: at(11), amount: 900 },
          { userId: 'alice', at: at(6), amount: 600 },
        ];
        expect((await store.praisers('art-1', { limit: 10 })).items).toEqual(whole);
        const first = await store.praisers('art-1', { limit: 2 });
        expect(first.items).toEqual(whole.slice(0, 2));
        // Carol's like, taken back, sits between the pages and is passed over.
        const second = await store.praisers('art-1', { limit: 2, before: first.nextCursor });
        expect(second).toEqual({ items: whole.slice(2) });
        expect(await store.praisers('art-2', { limit: 5 })).toEqual({ items: [] });
        await expect(store.praisers('art-1', { limit: 2, before: '!!' })).rejects.toThrow(InvalidFeedCursor);
      };
      const inOrder = await newStore();
      await applyAll(inOrder, workload.deliveries());
      await expectViews(inOrder);
      const shuffled = await newStore();
      await applyAll(shuffled, kafkaInterleaving(workload.deliveries(), seededRandom(7), 0.2));
      await expectViews(shuffled);
    });

    it('ranks authors by total, ties by authorId, cut at the limit', async () => {
      const store = await newStore();
      const workload = new Workload()
        .tip('r', 'carl', 'x', 1_000)
        .tip('r', 'dora', 'x', 3_000)
        .tip('r', 'abel', 'x', 1_000)
        .tip('r', 'bea', 'x', 600)
        .tip('r', 'bea', 'y', 400)
        .tip('r', 'eve', 'x', 500);
      await applyAll(store, workload.deliveries());

      expect(await store.leaderboard(1)).toEqual([{ authorId: 'dora', total: 3_000, tips: 1 }]);
      expect(await store.leaderboard(2)).toEqual([
        { authorId: 'dora', total: 3_000, tips: 1 },
        { authorId: 'abel', total: 1_000, tips: 1 },
      ]);
      expect((await store.leaderboard(3)).map((e) => e.authorId)).toEqual(['dora', 'abel', 'bea']);
      expect(await store.leaderboard(10)).toEqual([
        { authorId: 'dora', total: 3_000, tips: 1 },
        { authorId: 'abel', total: 1_000, tips: 1 },
        { authorId: 'bea', total: 1_000, tips: 2 },
        { authorId: 'carl', total: 1_000, tips: 1 },
        { authorId: 'eve', total: 500, tips: 1 },
      ]);
    });

    it('applies a batch like one delivery after another', async () => {
      const single = await newStore();
      const batched = await newStore();
      if (!batched.applyMany) return;
      const order = kafkaInterleaving(story().deliveries(), seededRandom(11), 0.2);
      const expected = await applyAll(single, order);
      const results: boolean[] = [];
      for (let i = 0; i < order.length; i += 7) results.push(...(await batched.applyMany(order.slice(i, i + 7))));
      expect(results).toEqual(expected);
      expect(await snapshot(batched, USERS, PACKETS)).toEqual(await snapshot(single, USERS, PACKETS));
    });

    it('clears its own data and nothing else', async () => {
      const mine = await newStore();
      const theirs = await newStore();
      const deliveries = story().deliveries();
      await applyAll(mine, deliveries);
      await applyAll(theirs, deliveries);
      await mine.clear();

      expect(await mine.watermark()).toBe(0n);
      expect(await mine.wallet('alice')).toBeUndefined();
      expect(await mine.leaderboard(10)).toEqual([]);
      expect(await mine.feed('alice', { limit: 10 })).toEqual({ items: [] });
      expect((await theirs.wallet('alice'))?.balance).toBe(95_200);
      // A cleared store is a fresh one: everything applies again.
      expect(await applyAll(mine, deliveries)).toEqual(deliveries.map(() => true));
    });

    it('property: any Kafka interleaving with duplicates equals in-order application', async () => {
      const inOrder = await newStore({ feedLength: 4 });
      const shuffled = await newStore({ feedLength: 4 });
      await fc.assert(
        fc.asyncProperty(operations, fc.integer(), fc.integer({ min: 0, max: 40 }), async (ops, seed, duplicatePercent) => {
          const workload = buildWorkload(ops);
          const deliveries = workload.deliveries();
          await inOrder.clear();
          await shuffled.clear();
          await applyAll(inOrder, deliveries);
          await applyAll(shuffled, kafkaInterleaving(deliveries, seededRandom(seed), duplicatePercent / 100));

          const packets = [
            ...new Set(workload.events.filter((e) => e.type === 'RedPacketEscrowed').map((e) => (e.data as { redPacketId: string }).redPacketId)),
          ];
          const expected = await snapshot(inOrder, USERS, packets);
          expect(await snapshot(shuffled, USERS, packets)).toEqual(expected);
          // And in-order is right, by a model that owes nothing to the projections.
          expect(expected.wallets.map((w) => w?.balance)).toEqual(USERS.map((u) => balanceOf(workload.events, u)));
          expect(expected.earnings.map((e) => e.total)).toEqual(USERS.map((u) => earnedBy(workload.events, u)));
          expect(expected.watermark).toBe(workload.events[workload.events.length - 1].position);
        }),
        { seed: 20250101, numRuns: settings.propertyRuns ?? 100 },
      );
    }, 60_000);
  });
};

type Operation =
  | { kind: 'fund' | 'withdraw'; user: number; amount: number }
  | { kind: 'transfer' | 'tip'; from: number; to: number; amount: number; article: number }
  | { kind: 'send'; user: number; amount: number; shares: number }
  | { kind: 'claim'; packet: number; user: number; amount: number }
  | { kind: 'expire'; packet: number };

const user = fc.integer({ min: 0, max: USERS.length - 1 });
const operations = fc.array(
  fc.oneof(
    fc.record({ kind: fc.constantFrom('fund' as const, 'withdraw' as const), user, amount: fc.integer({ min: 1, max: 50_000 }) }),
    fc.record({
      kind: fc.constantFrom('transfer' as const, 'tip' as const),
      from: user,
      to: user,
      amount: fc.integer({ min: 1, max: 20_000 }),
      article: fc.integer({ min: 0, max: 2 }),
    }),
    fc.record({ kind: fc.constant('send' as const), user, amount: fc.integer({ min: 5, max: 20_000 }), shares: fc.integer({ min: 1, max: 5 }) }),
    fc.record({ kind: fc.constant('claim' as const), packet: fc.nat(), user, amount: fc.integer({ min: 1, max: 5_000 }) }),
    fc.record({ kind: fc.constant('expire' as const), packet: fc.nat() }),
  ),
  { minLength: 1, maxLength: 40 },
);

/** Every user's wallet is opened first; operations a real system would refuse are skipped. */
const buildWorkload = (ops: Operation[]): Workload => {
  const workload = new Workload();
  USERS.forEach((u) => workload.open(u));
  const packets: string[] = [];
  const claimed = new Set<string>();
  for (const op of ops) {
    switch (op.kind) {
      case 'fund':
        workload.fund(USERS[op.user], op.amount);
        break;
      case 'withdraw':
        workload.withdraw(USERS[op.user], op.amount);
        break;
      case 'transfer':
      case 'tip':
        if (op.from === op.to) break;
        if (op.kind === 'transfer') workload.transfer(USERS[op.from], USERS[op.to], op.amount);
        else workload.tip(USERS[op.from], USERS[op.to], `article-${op.article}`, op.amount);
        break;
      case 'send': {
        const id = `rp-${packets.length}`;
        packets.push(id);
        workload.sendRedPacket(USERS[op.user], id, Math.max(op.amount, op.shares), op.shares);
        break;
      }
      case 'claim': {
        const id = packets[op.packet % Math.max(packets.length, 1)];
        if (id === undefined || !workload.canClaim(id) || claimed.has(`${id}/${op.user}`)) break;
        claimed.add(`${id}/${op.user}`);
        workload.claim(id, USERS[op.user], op.amount);
        break;
      }
      case 'expire': {
        const id = packets[op.packet % Math.max(packets.length, 1)];
        if (id !== undefined && workload.canClaim(id)) workload.expire(id);
        break;
      }
    }
  }
  return workload;
};

const balanceOf = (events: StoredEvent[], userId: string): number =>
  events.filter((e) => e.streamId === `wallet-${userId}`).reduce((sum, e) => sum + walletBalanceDelta(e), 0);

const earnedBy = (events: StoredEvent[], authorId: string): number =>
  events
    .filter((e) => e.type === 'TipPraised' && (e.data as { authorId: string }).authorId === authorId)
    .reduce((sum, e) => sum + (e.data as { amount: number }).amount, 0);
