import { randomUUID } from 'node:crypto';
import {
  DEFAULT_LIMITS,
  groupBuyStream,
  orderStream,
  walletStream,
  type GroupBuyCompleted,
  type GroupBuyFailed,
  type GroupBuyFundsHeld,
  type GroupBuyJoinRefused,
  type StoredEvent,
} from '@zan/contracts';
import { auditLedger } from '@zan/domain';
import { MemoryEventStore } from '@zan/event-store';
import { ZanMetrics, type ZanConfig } from '@zan/platform';
import { CommandMetrics } from '../observability/command-metrics';
import { CommandRunner } from './command-runner';
import { GroupBuyStreams } from './group-buy-streams';
import { WalletStreams } from './wallet-streams';

const OPENED_AT = Date.parse('2026-12-06T00:00:00.000Z');
const metadata = { correlationId: 'c', causationId: 'c', userId: 'test' };
const seeded = (type: string, data: object) => ({ id: randomUUID(), type, data, metadata, occurredAt: new Date(OPENED_AT).toISOString() });

/** A group of 2 with a 10 s deadline, and two funded buyers, on a fresh store; the clock is `now`. */
const setUp = async () => {
  const store = new MemoryEventStore();
  const now = { at: OPENED_AT };
  const runner = new CommandRunner(store, new CommandMetrics(new ZanMetrics()), { now: () => new Date(now.at) });
  const wallets = new WalletStreams(runner, { limits: DEFAULT_LIMITS } as ZanConfig);
  const groupBuys = new GroupBuyStreams(runner, wallets, store);
  for (const userId of ['bo', 'cy']) {
    await store.append(
      walletStream(userId),
      [
        seeded('WalletOpened', { userId, kind: 'individual' }),
        seeded('WalletFunded', { userId, fundingId: `f-${userId}`, amount: 5_000, source: { kind: 'card', cardId: 'c' } }),
      ],
      'no_stream',
    );
  }
  const deal = {
    groupBuyId: 'g1',
    productId: 'p1',
    merchantId: 'shop',
    groupPrice: 2_000,
    groupSize: 2,
    expiresAt: new Date(OPENED_AT + 10_000).toISOString(),
  };
  await store.append(groupBuyStream('g1'), [seeded('GroupBuyOpened', deal)], 'no_stream');
  const hold = async (buyerId: string): Promise<StoredEvent<GroupBuyFundsHeld>> => {
    const data = { groupBuyId: 'g1', joinId: `join-${buyerId}`, productId: 'p1', merchantId: 'shop', buyerId, amount: 2_000 };
    const context = { userId: buyerId, correlationId: randomUUID(), commandId: randomUUID() };
    const held = await wallets.decide(buyerId, { type: 'HoldGroupBuyFunds', data }, context);
    return held.events[0] as StoredEvent<GroupBuyFundsHeld>;
  };
  return { now, store, runner, groupBuys, hold };
};

describe('GroupBuyStreams.join', () => {
  it('answers a hold refused before (the deadline passed) with its refusal when the join runs again, not with an empty decision', async () => {
    const { now, groupBuys, hold } = await setUp();
    const held = await hold('bo');
    now.at = OPENED_AT + 11_000;
    const first = await groupBuys.join(held);
    expect(first.events.map((e) => e.type)).toEqual(['GroupBuyJoinRefused']);
    // The api's retry, or the process manager reacting to the same hold: the stored refusal again.
    const again = await groupBuys.join(held);
    expect(again.events.map((e) => e.type)).toEqual(['GroupBuyJoinRefused']);
    expect(again.events[0]!.id).toBe(first.events[0]!.id);
  });

  it('answers a hold joined before with its join when the join runs again, though the group is full now', async () => {
    const { groupBuys, hold } = await setUp();
    const [bo, cy] = [await hold('bo'), await hold('cy')];
    expect((await groupBuys.join(bo)).events.map((e) => e.type)).toEqual(['GroupBuyJoined']);
    expect((await groupBuys.join(cy)).events.map((e) => e.type)).toEqual(['GroupBuyJoined', 'GroupBuyCompleted']);
    const again = await groupBuys.join(cy);
    expect(again.events.map((e) => e.type)).toEqual(['GroupBuyJoined', 'GroupBuyCompleted']);
    expect(again.state).toMatchObject({ status: 'completed', members: [{ buyerId: 'bo' }, { buyerId: 'cy' }] });
  });
});

describe('GroupBuyStreams.settle', () => {
  it('pays the merchant and opens an order stream per member of a completed group, once however often it runs', async () => {
    const { store, groupBuys, hold } = await setUp();
    const [bo, cy] = [await hold('bo'), await hold('cy')];
    await groupBuys.join(bo);
    const completed = (await groupBuys.join(cy)).events[1] as StoredEvent<GroupBuyCompleted>;
    await groupBuys.settle(completed);
    await groupBuys.settle(completed); // a redelivery, or a process manager that crashed halfway
    const merchant = (await store.readStream(walletStream('shop'))).filter((e) => e.type !== 'WalletOpened');
    // Caused by the completion they react to (CONTRACT.md, "Kafka"), not by the member's hold.
    expect(merchant.map((e) => [e.type, e.metadata.causationId])).toEqual([
      ['GroupBuyPaymentReceived', completed.id],
      ['GroupBuyPaymentReceived', completed.id],
    ]);
    const order = await store.readStream(orderStream('join-bo'));
    expect(order.map((e) => e.type)).toEqual(['OrderOpened']);
    expect(order[0]!.data).toEqual({ orderId: 'join-bo', productId: 'p1', merchantId: 'shop', buyerId: 'bo', quantity: 1, unitPrice: 2_000, amount: 2_000 });
    expect(order[0]!.metadata.causationId).toBe(completed.id);
    expect((await store.readStream(orderStream('join-cy'))).map((e) => e.type)).toEqual(['OrderOpened']);
    // Each member's credit and order keep the correlation id of that member's hold, not the last joiner's.
    expect(merchant.map((e) => e.metadata.correlationId)).toEqual([bo.metadata.correlationId, cy.metadata.correlationId]);
    expect(order[0]!.metadata.correlationId).toBe(bo.metadata.correlationId);
  });

  it('returns each member’s hold of a failed group under that member’s correlation id, once', async () => {
    const { now, store, groupBuys, hold } = await setUp();
    const bo = await hold('bo');
    await groupBuys.join(bo);
    now.at = OPENED_AT + 11_000;
    const expired = await groupBuys.expire('g1', new Date(now.at), { correlationId: 'timer', causationId: 'timer' });
    const failed = expired.events.find((e) => e.type === 'GroupBuyFailed') as StoredEvent<GroupBuyFailed> | undefined;
    expect(failed).toBeDefined();
    await groupBuys.settle(failed!);
    await groupBuys.settle(failed!);
    const returned = (await store.readStream(walletStream('bo'))).filter((e) => e.type === 'GroupBuyFundsReturned');
    expect(returned.map((e) => [e.metadata.causationId, e.metadata.correlationId])).toEqual([[failed!.id, bo.metadata.correlationId]]);
  });

  it('returns a refused join’s hold caused by the refusal, once, and never pays a hold twice whichever event settles it', async () => {
    const { now, store, groupBuys, hold } = await setUp();
    const bo = await hold('bo');
    now.at = OPENED_AT + 11_000;
    const refused = (await groupBuys.join(bo)).events[0] as StoredEvent<GroupBuyJoinRefused>;
    await groupBuys.returnRefused(refused);
    await groupBuys.returnRefused(refused);
    // The same hold named by a failure too (a forged settlement of the same member): its ids derive
    // from the hold, so the second settlement finds the first stored and moves nothing.
    const failed = {
      ...refused,
      id: randomUUID(),
      type: 'GroupBuyFailed',
      data: { groupBuyId: 'g1', productId: 'p1', merchantId: 'shop', members: [refused.data] },
    };
    await groupBuys.settle(failed as unknown as StoredEvent<GroupBuyFailed>);
    const returned = (await store.readStream(walletStream('bo'))).filter((e) => e.type === 'GroupBuyFundsReturned');
    expect(returned.map((e) => [e.metadata.causationId, e.metadata.correlationId, (e.data as { amount: number }).amount])).toEqual([
      [refused.id, bo.metadata.correlationId, 2_000],
    ]);
    expect(auditLedger(await store.readAll()).problems).toEqual([]);
  });
});

describe('GroupBuyStreams.joinUnlessDecided (the process manager’s join)', () => {
  it('skips a hold the api joined already without deciding anything (the group’s cached state names it)', async () => {
    const { runner, groupBuys, hold } = await setUp();
    const held = await hold('bo');
    await groupBuys.join(held);
    const execute = jest.spyOn(runner, 'execute');
    const executeOnce = jest.spyOn(runner, 'executeOnce');
    await groupBuys.joinUnlessDecided(held);
    expect(execute).not.toHaveBeenCalled();
    expect(executeOnce).not.toHaveBeenCalled();
  });

  it('skips it too in another process, whose cache never saw the join (one catch-up read, no decision)', async () => {
    const { store, groupBuys, hold } = await setUp();
    const held = await hold('bo');
    await groupBuys.join(held);
    const runner = new CommandRunner(store, new CommandMetrics(new ZanMetrics()), { now: () => new Date(OPENED_AT) });
    const other = new GroupBuyStreams(runner, new WalletStreams(runner, { limits: DEFAULT_LIMITS } as ZanConfig), store);
    const execute = jest.spyOn(runner, 'execute');
    await other.joinUnlessDecided(held);
    expect(execute).not.toHaveBeenCalled();
    expect((await store.readStream(groupBuyStream('g1'))).map((e) => e.type)).toEqual(['GroupBuyOpened', 'GroupBuyJoined']);
  });

  it('joins a hold the api never joined (a crash after the hold), completing the group, in one decision; again, nothing', async () => {
    const { store, runner, groupBuys, hold } = await setUp();
    const [bo, cy] = [await hold('bo'), await hold('cy')];
    await groupBuys.join(bo);
    const execute = jest.spyOn(runner, 'execute');
    await groupBuys.joinUnlessDecided(cy);
    await groupBuys.joinUnlessDecided(cy);
    expect(execute).toHaveBeenCalledTimes(1);
    expect((await store.readStream(groupBuyStream('g1'))).map((e) => e.type)).toEqual([
      'GroupBuyOpened',
      'GroupBuyJoined',
      'GroupBuyJoined',
      'GroupBuyCompleted',
    ]);
  });

  it('refuses a hold the group can no longer take (past the deadline) at the join’s event id, once', async () => {
    const { now, store, groupBuys, hold } = await setUp();
    const held = await hold('bo');
    now.at = OPENED_AT + 11_000;
    await groupBuys.joinUnlessDecided(held);
    await groupBuys.joinUnlessDecided(held);
    const refused = (await store.readStream(groupBuyStream('g1'))).filter((e) => e.type === 'GroupBuyJoinRefused');
    expect(refused.map((e) => [e.id, (e.data as { reason: string }).reason])).toEqual([[(await groupBuys.join(held)).events[0]!.id, 'group-buy-closed']]);
  });

  it('refuses a hold made before the deadline once the group’s timer closed it, whatever its own clock says', async () => {
    const { store, groupBuys, hold } = await setUp();
    const held = await hold('bo');
    await groupBuys.expire('g1', new Date(OPENED_AT + 10_000), { correlationId: 'c', causationId: 'c' });
    await groupBuys.joinUnlessDecided(held);
    const refused = (await store.readStream(groupBuyStream('g1'))).filter((e) => e.type === 'GroupBuyJoinRefused');
    expect(refused.map((e) => (e.data as { reason: string }).reason)).toEqual(['group-buy-closed']);
  });
});
