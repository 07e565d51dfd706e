import { Logger } from '@nestjs/common';
import { Pool } from 'pg';
import { randomUUID } from 'node:crypto';
import { DEFAULT_LIMITS, redPacketStream, walletStream, type RedPacketSent, type StoredEvent } from '@zan/contracts';
import { PROCESS_MANAGER_CHECKPOINTS, createPostgresEventStore, type PostgresEventStore } from '@zan/event-store';
import { ZanMetrics, systemClock, type ZanConfig } from '@zan/platform';
import { isolation, testServers } from '../../../../test/support/isolation';
import { newEvent } from '../../../../test/support/stored-events';
import { CommandRunner } from '../command-path/command-runner';
import { CommandMetrics } from '../observability/command-metrics';
import { RedPacketStreams } from '../command-path/red-packet-streams';
import { WalletStreams } from '../command-path/wallet-streams';
import { CreditsProcessManager } from './credits.process-manager';
import { ExpiryScheduler } from './expiry.scheduler';
import { SqlTimerStore } from '@zan/stores';

/** Waits (up to 20 s) until `condition` holds. */
const until = async (condition: () => boolean | Promise<boolean>, what: string): Promise<void> => {
  for (let i = 0; i < 2000; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
};

/** The escrow fails (an injected fault in a wrapper of the packet streams) while `failing` is set. */
class FailingEscrow extends RedPacketStreams {
  failing = true;
  attempts = 0;
  override escrow(sent: StoredEvent<RedPacketSent>) {
    this.attempts++;
    if (this.failing) return Promise.reject(new Error('injected: the packet stream cannot be written'));
    return super.escrow(sent);
  }
}

/** A credits process manager on `store`, started, its packets' streams `packetsOf` the runner (a failing escrow, or the real ones). */
const startCredits = async <P extends RedPacketStreams>(
  store: PostgresEventStore,
  pgSchema: string,
  packetsOf: (runner: CommandRunner) => P,
): Promise<{ credits: CreditsProcessManager; packets: P; timers: SqlTimerStore }> => {
  const runner = new CommandRunner(store.eventStore, new CommandMetrics(new ZanMetrics()), systemClock);
  const packets = packetsOf(runner);
  const timers = new SqlTimerStore(store.sql, pgSchema);
  await timers.migrate();
  const expiries = new ExpiryScheduler(timers, packets, systemClock, { tickMs: 1_000_000 }, store.eventStore);
  const credits = new CreditsProcessManager(
    store.eventStore,
    store.checkpoints,
    new WalletStreams(runner, { limits: DEFAULT_LIMITS } as ZanConfig),
    packets,
    expiries,
  );
  await credits.onApplicationBootstrap();
  return { credits, packets, timers };
};

/**
 * A red packet's debit is stored (RedPacketSent on the sender's wallet) and its escrow keeps failing:
 * the credits process manager must never count the escrow done, never save a checkpoint past the
 * debit, and escrow the money exactly once when the fault is over. Real PostgreSQL.
 */
describe('CreditsProcessManager when the escrow fails after a red packet debit (PostgreSQL)', () => {
  const { pgSchema } = isolation('escrow-faults');
  let store: PostgresEventStore;
  let credits: CreditsProcessManager | undefined;

  beforeAll(async () => {
    store = await createPostgresEventStore({ connectionString: testServers().databaseUrl, schema: pgSchema, poolSize: 4 });
  });
  afterAll(async () => {
    await credits?.onModuleDestroy();
    await store?.eventStore.close();
    const pool = new Pool({ connectionString: testServers().databaseUrl, max: 1 });
    await pool.query(`DROP SCHEMA IF EXISTS "${pgSchema}" CASCADE`);
    await pool.end();
  });

  it('keeps the checkpoint before the debit while the escrow fails, then escrows once', async () => {
    const started = await startCredits(store, pgSchema, (runner) => new FailingEscrow(runner));
    credits = started.credits;
    const { packets, timers } = started;

    const redPacketId = `rp-${randomUUID()}`;
    const sent: RedPacketSent = {
      redPacketId,
      senderId: 'sender',
      amount: 600,
      shares: 2,
      mode: 'equal',
      expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    };
    await store.eventStore.append(walletStream('sender'), [newEvent('WalletOpened', { userId: 'sender', kind: 'individual' }, 'sender')], 'no_stream');
    const { position: debit } = await store.eventStore.append(walletStream('sender'), [newEvent('RedPacketSent', sent, 'sender')], 'any');
    // Reactions of other keys, after the debit, go on meanwhile (and finish).
    const tipId = randomUUID();
    const tip = { tipId, readerId: 'reader', authorId: 'author', articleId: 'a', amount: 500 };
    const { position: last } = await store.eventStore.append(walletStream('reader'), [newEvent('TipPraised', tip, 'reader')], 'no_stream');

    await until(() => packets.attempts >= 3, 'the escrow to be tried again after failures');
    await until(async () => (await store.eventStore.readStream(walletStream('author'))).some((e) => e.type === 'TipReceived'), 'the tip to be credited');
    expect(credits.handledThrough).toBeLessThan(debit);
    // Give the checkpoint saver a few rounds: it must not pass the debit.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const saved = await store.checkpoints.load(PROCESS_MANAGER_CHECKPOINTS.credits);
    expect(saved === undefined || saved < debit).toBe(true);

    packets.failing = false;
    await until(() => credits!.handledThrough >= last, 'the credits to pass the debit');
    const packetEvents = await store.eventStore.readStream(redPacketStream(redPacketId));
    expect(packetEvents.map((e) => e.type)).toEqual(['RedPacketEscrowed']);
    expect(packetEvents[0]!.data).toMatchObject({ amount: 600 });
    // The escrow's own reaction ran too: the expiry timer is set.
    await until(
      async () => (await timers.due(new Date(Date.now() + 2 * 86_400_000), 10)).some((t) => t.id === `red-packet:${redPacketId}`),
      'the expiry timer',
    );
    const received = (await store.eventStore.readStream(walletStream('author'))).filter((e) => e.type === 'TipReceived');
    expect(received).toHaveLength(1);
  });
});

/**
 * An event this Zan does not know (a type or a version a newer Zan wrote) may be a debit whose credit
 * only that Zan can tell: the credits process manager must not pass it as needing nothing.
 */
describe('CreditsProcessManager on an event it does not know (PostgreSQL)', () => {
  const { pgSchema } = isolation('credits-unknown');
  let store: PostgresEventStore;
  let credits: CreditsProcessManager | undefined;

  beforeAll(async () => {
    store = await createPostgresEventStore({ connectionString: testServers().databaseUrl, schema: pgSchema, poolSize: 4 });
  });
  afterAll(async () => {
    await credits?.onModuleDestroy();
    await store?.eventStore.close();
    const pool = new Pool({ connectionString: testServers().databaseUrl, max: 1 });
    await pool.query(`DROP SCHEMA IF EXISTS "${pgSchema}" CASCADE`);
    await pool.end();
  });

  it.each([
    ['a type', 'GiftSent', undefined],
    ['a version', 'TipPraised', 7],
  ])('never moves its checkpoint past %s it does not know, and says so', async (_, type, version) => {
    await credits?.onModuleDestroy();
    credits = (await startCredits(store, pgSchema, (runner) => new RedPacketStreams(runner))).credits;

    const reader = `reader-${randomUUID()}`;
    const author = `author-${randomUUID()}`;
    const { position: before } = await store.eventStore.append(
      walletStream(reader),
      [newEvent('WalletOpened', { userId: reader, kind: 'individual' }, reader)],
      'no_stream',
    );
    const data = { tipId: randomUUID(), readerId: reader, authorId: author, articleId: 'a', amount: 500 };
    const { position: unknown } = await store.eventStore.append(walletStream(reader), [newEvent(type, data, reader, version)], 0);
    await store.eventStore.append(
      walletStream(`other-${randomUUID()}`),
      [newEvent('WalletOpened', { userId: 'other', kind: 'individual' }, 'other')],
      'no_stream',
    );

    // Before: passed as needing nothing, the checkpoint saved past it within 100 ms.
    for (let i = 0; i < 2000 && credits.handledThrough < before; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(credits.handledThrough).toBeLessThan(unknown);
    const saved = await store.checkpoints.load(PROCESS_MANAGER_CHECKPOINTS.credits);
    expect(saved === undefined || saved < unknown).toBe(true);
    // Seen by the in-flight age (zan_credits_oldest_in_flight_seconds), as a credit not yet done.
    expect(await credits.oldestInFlightSeconds()).toBeGreaterThan(0);
    expect(await store.eventStore.readStream(walletStream(author))).toEqual([]);
  });

  it('goes on with every other credit behind an event it does not know', async () => {
    await credits?.onModuleDestroy();
    credits = (await startCredits(store, pgSchema, (runner) => new RedPacketStreams(runner))).credits;

    // A newer Zan's event on one reader's wallet (as a replica of it writes it during a rolling upgrade)...
    const stranger = `stranger-${randomUUID()}`;
    await store.eventStore.append(walletStream(stranger), [newEvent('WalletOpened', { userId: stranger, kind: 'individual' }, stranger)], 'no_stream');
    const { position: unknown } = await store.eventStore.append(walletStream(stranger), [newEvent('GiftSent', { amount: 500 }, stranger)], 0);
    // ...and after it, a tip of another reader, which this Zan knows and owes a credit.
    const reader = `reader-${randomUUID()}`;
    const author = `author-${randomUUID()}`;
    const tip = { tipId: randomUUID(), readerId: reader, authorId: author, articleId: 'a', amount: 300 };
    await store.eventStore.append(
      walletStream(reader),
      [newEvent('WalletOpened', { userId: reader, kind: 'individual' }, reader), newEvent('TipPraised', tip, reader)],
      'no_stream',
    );

    let received: StoredEvent[] = [];
    for (let i = 0; i < 1000 && received.length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      received = (await store.eventStore.readStream(walletStream(author))).filter((e) => e.type === 'TipReceived');
    }
    expect(received.map((e) => e.data)).toEqual([tip]);
    // The checkpoint still waits before the event it does not know, for a Zan that knows it.
    expect(credits.handledThrough).toBeLessThan(unknown);
    const saved = await store.checkpoints.load(PROCESS_MANAGER_CHECKPOINTS.credits);
    expect(saved === undefined || saved < unknown).toBe(true);
  });
});

/**
 * A credited wallet whose history holds a money event with no whole number of fen (CorruptEvent when
 * its balance is folded): the credit can never be decided there, by any retry. It must not be made,
 * must stay visible, and must not hold back the credits of other wallets.
 */
describe('CreditsProcessManager on a credit to a wallet whose history is corrupt (PostgreSQL)', () => {
  const { pgSchema } = isolation('credits-corrupt');
  let store: PostgresEventStore;
  let credits: CreditsProcessManager | undefined;
  let warnings: jest.SpyInstance;
  let errors: jest.SpyInstance;

  beforeAll(async () => {
    warnings = jest.spyOn(Logger.prototype, 'warn');
    errors = jest.spyOn(Logger.prototype, 'error');
    store = await createPostgresEventStore({ connectionString: testServers().databaseUrl, schema: pgSchema, poolSize: 4 });
  });
  afterAll(async () => {
    warnings.mockRestore();
    errors.mockRestore();
    await credits?.onModuleDestroy();
    await store?.eventStore.close();
    const pool = new Pool({ connectionString: testServers().databaseUrl, max: 1 });
    await pool.query(`DROP SCHEMA IF EXISTS "${pgSchema}" CASCADE`);
    await pool.end();
  });

  const lines = (spy: jest.SpyInstance, text: string) => spy.mock.calls.map(([line]) => String(line)).filter((line) => line.includes(text));
  const tip = async (authorId: string, amount: number) => {
    const reader = `reader-${randomUUID()}`;
    const data = { tipId: randomUUID(), readerId: reader, authorId, articleId: 'a', amount };
    const { position } = await store.eventStore.append(
      walletStream(reader),
      [newEvent('WalletOpened', { userId: reader, kind: 'individual' }, reader), newEvent('TipPraised', data, reader)],
      'no_stream',
    );
    return { data, position };
  };
  it('leaves the credit undone, says so, and never restarts the subscription for it: the other credits go on', async () => {
    credits = (await startCredits(store, pgSchema, (runner) => new RedPacketStreams(runner))).credits;
    const corrupt = `corrupt-${randomUUID()}`;
    await store.eventStore.append(
      walletStream(corrupt),
      [
        newEvent('WalletOpened', { userId: corrupt, kind: 'individual' }, corrupt),
        newEvent('WalletFunded', { userId: corrupt, fundingId: randomUUID(), amount: '300', source: { kind: 'card', cardId: 'c' } }, corrupt),
      ],
      'no_stream',
    );
    const { position: stuck } = await tip(corrupt, 500);
    const restarts = () => lines(warnings, 'credits subscription failed');
    const leftUndone = () => lines(errors, 'credit left undone: CorruptEvent');
    await until(() => restarts().length + leftUndone().length > 0, 'the credit to the corrupt wallet to fail');

    const author = `author-${randomUUID()}`;
    const { data } = await tip(author, 300);
    await until(async () => (await store.eventStore.readStream(walletStream(author))).some((e) => e.type === 'TipReceived'), "another author's credit");
    // Before: every try failed with CorruptEvent and restarted the subscription (a backoff growing to 5 s behind which the other credits waited).
    expect(restarts()).toEqual([]);
    expect(leftUndone()).toEqual([expect.stringContaining('CorruptEvent')]);
    expect((await store.eventStore.readStream(walletStream(author))).filter((e) => e.type === 'TipReceived').map((e) => e.data)).toEqual([data]);
    // Not made, and visible: the checkpoint waits before it, the in-flight age counts it.
    expect((await store.eventStore.readStream(walletStream(corrupt))).map((e) => e.type)).toEqual(['WalletOpened', 'WalletFunded']);
    expect(credits.handledThrough).toBeLessThan(stuck);
    const saved = await store.checkpoints.load(PROCESS_MANAGER_CHECKPOINTS.credits);
    expect(saved === undefined || saved < stuck).toBe(true);
    expect(await credits.oldestInFlightSeconds()).toBeGreaterThan(0);
  });

  it('leaves undone, the same way, a debit whose own amount is no whole number of fen', async () => {
    credits ??= (await startCredits(store, pgSchema, (runner) => new RedPacketStreams(runner))).credits;
    const leftUndone = () => lines(errors, 'credit left undone: CorruptEvent: TipPraised');
    const restarts = () => lines(warnings, 'credits subscription failed');
    const unpaid = `unpaid-${randomUUID()}`;
    const reader = `reader-${randomUUID()}`;
    const corrupt = { tipId: randomUUID(), readerId: reader, authorId: unpaid, articleId: 'a', amount: '300' };
    await store.eventStore.append(
      walletStream(reader),
      [newEvent('WalletOpened', { userId: reader, kind: 'individual' }, reader), newEvent('TipPraised', corrupt, reader)],
      'no_stream',
    );
    await until(() => restarts().length + leftUndone().length > 0, 'the credit of the corrupt debit to fail');

    const author = `author-${randomUUID()}`;
    const { data } = await tip(author, 400);
    await until(async () => (await store.eventStore.readStream(walletStream(author))).some((e) => e.type === 'TipReceived'), "another author's credit");
    // Before: the credit's command refused the amount (InvalidCommand) on every try and restarted the subscription.
    expect(restarts()).toEqual([]);
    expect(leftUndone()).toEqual([expect.stringContaining('"300"')]);
    expect(await store.eventStore.readStream(walletStream(unpaid))).toEqual([]);
    expect((await store.eventStore.readStream(walletStream(author))).filter((e) => e.type === 'TipReceived').map((e) => e.data)).toEqual([data]);
  });

  it('leaves undone a debit whose credit its command refuses for good (a tip of 0 fen stored by hand)', async () => {
    credits ??= (await startCredits(store, pgSchema, (runner) => new RedPacketStreams(runner))).credits;
    const leftUndone = () => lines(errors, 'credit left undone:').filter((line) => line.includes('got 0'));
    const restarts = () => lines(warnings, 'credits subscription failed');
    const unpaid = `unpaid-${randomUUID()}`;
    const reader = `reader-${randomUUID()}`;
    await store.eventStore.append(
      walletStream(reader),
      [
        newEvent('WalletOpened', { userId: reader, kind: 'individual' }, reader),
        newEvent('TipPraised', { tipId: randomUUID(), readerId: reader, authorId: unpaid, articleId: 'a', amount: 0 }, reader),
      ],
      'no_stream',
    );
    await until(() => restarts().length + leftUndone().length > 0, 'the credit of the 0-fen debit to fail');

    const author = `author-${randomUUID()}`;
    const { data } = await tip(author, 400);
    await until(async () => (await store.eventStore.readStream(walletStream(author))).some((e) => e.type === 'TipReceived'), "another author's credit");
    // Before: the credit's command refused the amount (InvalidCommand) on every try and restarted the subscription.
    expect(restarts()).toEqual([]);
    expect(leftUndone()).toHaveLength(1);
    expect(await store.eventStore.readStream(walletStream(unpaid))).toEqual([]);
    expect((await store.eventStore.readStream(walletStream(author))).filter((e) => e.type === 'TipReceived').map((e) => e.data)).toEqual([data]);
  });
});
