import { Pool } from 'pg';
import { DEFAULT_LIMITS, walletStream } from '@zan/contracts';
import { CardNotLinked, InsufficientFunds, WalletAlreadyOpen, walletDecider, type WalletCommand, type WalletState } from '@zan/domain';
import { createPostgresEventStore, DuplicateEventError, SqlEventStore, type PostgresEventStore, type SqlClient } from '@zan/event-store';
import { type Clock, systemClock, ZanMetrics, type ZanConfig } from '@zan/platform';
import { isolation, testServers } from '../../../../test/support/isolation';
import { CommandMetrics } from '../observability/command-metrics';
import { CreditsProcessManager } from '../process-managers/credits.process-manager';
import { RedPacketStreams } from './red-packet-streams';
import { CommandRunner } from './command-runner';
import { deterministicId, randomId } from './ids';
import { WalletStreams } from './wallet-streams';

const beijingDay = (iso: string): string => new Date(Date.parse(iso) + 8 * 3600_000).toISOString().slice(0, 10);

/**
 * Two api processes deciding on the same wallet: each caches the states it decided on, and the
 * other's writes make that cache stale. Stale caches may cost a read, never a wrong answer.
 */
describe('CommandRunner: cached states across processes', () => {
  const { pgSchema } = isolation('runner');
  let store: PostgresEventStore;
  let here: CommandRunner;
  let there: CommandRunner;

  beforeAll(async () => {
    store = await createPostgresEventStore({ connectionString: testServers().databaseUrl, schema: pgSchema, poolSize: 4 });
    here = new CommandRunner(store.eventStore, new CommandMetrics(new ZanMetrics()), systemClock);
    there = new CommandRunner(store.eventStore, new CommandMetrics(new ZanMetrics()), systemClock);
  });

  afterAll(async () => {
    await store?.eventStore.close();
    const pool = new Pool({ connectionString: testServers().databaseUrl, max: 1 });
    await pool.query(`DROP SCHEMA IF EXISTS "${pgSchema}" CASCADE`);
    await pool.end();
  });

  const run = (runner: CommandRunner, userId: string, command: WalletCommand) =>
    runner.execute<WalletState>({
      command: command.type,
      streamId: walletStream(userId),
      folder: walletDecider,
      decide: (state) => walletDecider.decide(command, state),
      metadata: { correlationId: randomId(), causationId: randomId(), userId },
    });
  const open = (userId: string): WalletCommand => ({ type: 'OpenWallet', data: { userId, kind: 'individual' } });
  // Verified as an individual (as an admin would), so that withdrawals are the wallet's to decide.
  const request = (userId: string): WalletCommand => ({
    type: 'RequestVerification',
    data: { userId, verificationId: randomId(), kind: 'individual', maskedName: '*', nameHash: 'a'.repeat(64), numberHash: 'c'.repeat(64) },
  });
  const verified = (userId: string): WalletCommand => ({ type: 'RecordVerification', data: { userId, decision: 'verified', decidedBy: 'admin' } });
  const verify = async (runner: CommandRunner, userId: string) => {
    await run(runner, userId, request(userId));
    await run(runner, userId, verified(userId));
  };
  const link = (userId: string): WalletCommand => ({
    type: 'LinkBankCard',
    data: { userId, cardId: 'card-1', holderName: '*', holderNameHash: 'a'.repeat(64) },
  });
  const fund = (userId: string, amount: number): WalletCommand => ({
    type: 'FundWallet',
    data: { userId, fundingId: randomId(), cardId: 'card-1', amount },
  });
  const withdraw = (userId: string, amount: number): WalletCommand => ({
    type: 'WithdrawFunds',
    data: { userId, withdrawalId: randomId(), cardId: 'card-1', amount },
  });

  it('does not refuse on a stale cache: a refusal is decided again on the stored state', async () => {
    const user = `stale-refusal-${randomId()}`;
    await run(here, user, open(user));
    await verify(here, user);
    await run(here, user, link(user));
    // Here caches an empty wallet; there funds it.
    await expect(run(here, user, withdraw(user, 500))).rejects.toBeInstanceOf(InsufficientFunds);
    await run(there, user, fund(user, 1_000));
    // On its cache here would refuse again; it reads, sees the funding and accepts.
    const done = await run(here, user, withdraw(user, 500));
    expect(done.events.map((e) => e.type)).toEqual(['WalletWithdrawn']);
    expect(done.state.balance).toBe(500);
  });

  it('does not accept on a stale cache: the append at the cached revision conflicts, and the decision is made again', async () => {
    const user = `stale-accept-${randomId()}`;
    await run(here, user, open(user));
    await verify(here, user);
    await run(here, user, link(user));
    await run(here, user, fund(user, 1_000)); // here caches a balance of 1000
    await run(there, user, withdraw(user, 800)); // there leaves 200
    // Here would accept 500 on its cache; the append conflicts, here catches up and refuses.
    await expect(run(here, user, withdraw(user, 500))).rejects.toBeInstanceOf(InsufficientFunds);
    const events = await store.eventStore.readStream(walletStream(user));
    expect(events.map((e) => e.type)).toEqual(['WalletOpened', 'VerificationRequested', 'WalletVerified', 'BankCardLinked', 'WalletFunded', 'WalletWithdrawn']);
  });

  it('lets a final refusal stand on the cached state: no read to confirm what cannot change', async () => {
    const user = `final-${randomId()}`;
    await run(here, user, open(user));
    await verify(here, user);
    const reads = jest.spyOn(store.eventStore, 'readStream');
    try {
      const asBusiness: WalletCommand = { type: 'OpenWallet', data: { userId: user, kind: 'business' } };
      await expect(run(here, user, asBusiness)).rejects.toBeInstanceOf(WalletAlreadyOpen); // final
      expect(reads).not.toHaveBeenCalled();
      await expect(run(here, user, withdraw(user, 1))).rejects.toBeInstanceOf(CardNotLinked); // not final
      expect(reads).toHaveBeenCalledTimes(1);
    } finally {
      reads.mockRestore();
    }
  });

  it('decides the commands waiting on one stream together: one append for many, each its own outcome', async () => {
    const user = `batch-${randomId()}`;
    await run(here, user, open(user));
    await verify(here, user);
    await run(here, user, link(user));
    await run(here, user, fund(user, 1_000));
    const appends = jest.spyOn(store.eventStore, 'append');
    try {
      // Ten withdrawals of 300 at once from 1000: the first three in line win, the rest are refused.
      const outcomes = await Promise.allSettled(Array.from({ length: 10 }, () => run(here, user, withdraw(user, 300))));
      expect(outcomes.map((o) => o.status)).toEqual([...Array(3).fill('fulfilled'), ...Array(7).fill('rejected')]);
      for (const o of outcomes.slice(3)) expect((o as PromiseRejectedResult).reason).toBeInstanceOf(InsufficientFunds);
      const won = outcomes.slice(0, 3).map((o) => (o as PromiseFulfilledResult<Awaited<ReturnType<typeof run>>>).value);
      expect(won.map((w) => w.state.balance)).toEqual([700, 400, 100]);
      expect(won.map((w) => w.revision)).toEqual([5, 6, 7]);
      expect(won.map((w) => w.events.map((e) => e.revision))).toEqual([[5], [6], [7]]);
      expect(appends.mock.calls.length).toBeLessThan(3);
    } finally {
      appends.mockRestore();
    }
    const events = await store.eventStore.readStream(walletStream(user));
    expect(events.map((e) => e.revision)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('rejects every command of a batch that fails as a whole (an append failing otherwise than by a conflict), then serves the next', async () => {
    const user = `batch-fails-${randomId()}`;
    await run(here, user, open(user));
    await verify(here, user);
    await run(here, user, link(user));
    await run(here, user, fund(user, 1_000));
    const injected = new Error('injected: the append failed');
    const appends = jest.spyOn(store.eventStore, 'append').mockRejectedValueOnce(injected);
    try {
      const outcomes = await Promise.allSettled([
        run(here, user, withdraw(user, 100)),
        run(here, user, withdraw(user, 5_000)),
        run(here, user, withdraw(user, 200)),
      ]);
      // One batch, one append: its failure is every command's answer, even the one refused on its own.
      expect(outcomes.map((o) => (o as PromiseRejectedResult).reason)).toEqual([injected, injected, injected]);
      expect(appends).toHaveBeenCalledTimes(1);
    } finally {
      appends.mockRestore();
    }
    const next = await run(here, user, withdraw(user, 300));
    expect(next.state.balance).toBe(700);
    expect(next.revision).toBe(5);
  });

  it('sends a batch back one by one when one of its commands was already stored (a retry)', async () => {
    const user = `batch-dup-${randomId()}`;
    await run(here, user, open(user));
    await verify(here, user);
    await run(here, user, link(user));
    const funding = (n: number) => ({ ...fund(user, 100 * n), data: { ...fund(user, 100 * n).data, fundingId: `f-${n}` } }) as WalletCommand;
    const once = (n: number) =>
      here.executeOnce<WalletState>({
        command: 'FundWallet',
        streamId: walletStream(user),
        folder: walletDecider,
        decide: (state) => walletDecider.decide(funding(n), state),
        metadata: { correlationId: randomId(), causationId: randomId(), userId: user },
        eventId: (index) => `00000000-0000-4000-8000-${String(n).padStart(6, '0')}${String(index).padStart(6, '0')}`.slice(0, 36),
      });
    const first = await once(1);
    const outcomes = await Promise.all([once(2), once(1), once(3)]);
    // The retry of 1 answers what 1 stored; 2 and 3 are stored once each.
    expect(outcomes[1].events.map((e) => e.id)).toEqual(first.events.map((e) => e.id));
    expect(outcomes[1].state.balance).toBe(100);
    const events = await store.eventStore.readStream(walletStream(user));
    expect(events.filter((e) => e.type === 'WalletFunded').map((e) => (e.data as { amount: number }).amount)).toEqual([100, 200, 300]);
    expect(outcomes[2].state.balance).toBe(600);
  });

  it('credits a redelivered tip once, and a redelivery is answered without a search of the stream', async () => {
    const [reader, author] = [`reader-${randomId()}`, `author-${randomId()}`];
    for (const user of [reader, author]) {
      await run(here, user, open(user));
      await verify(here, user);
      await run(here, user, link(user));
    }
    await run(here, reader, fund(reader, 5_000));
    const tip = await run(here, reader, {
      type: 'PraiseTip',
      data: {
        tipId: randomId(),
        readerId: reader,
        authorId: author,
        articleId: 'a-1',
        amount: 500,
        author: { exists: true, kind: 'individual', verified: true, hasPersonalCard: true },
      },
    });
    const credits = new CreditsProcessManager(
      store.eventStore,
      store.checkpoints,
      new WalletStreams(here, { limits: DEFAULT_LIMITS } as ZanConfig),
      new RedPacketStreams(here),
      undefined as never,
    );
    const praised = tip.events[0]!;
    await credits.handle(praised);
    const reads = jest.spyOn(store.eventStore, 'readStream');
    try {
      await credits.handle(praised); // redelivered after a crash
      await Promise.all([credits.handle(praised), credits.handle(praised)]); // and twice at once, one batch
      expect(reads).not.toHaveBeenCalled();
    } finally {
      reads.mockRestore();
    }
    const authorEvents = await store.eventStore.readStream(walletStream(author));
    expect(authorEvents.filter((e) => e.type === 'TipReceived')).toHaveLength(1);
  });

  it('never takes effect twice, and a deterministic command gets its stored outcome, when an append committed but its answer was lost', async () => {
    let losses = 0;
    // The real statement commits; the connection then "drops" before its answer arrives.
    const losing: SqlClient = {
      query: async <R>(text: string, params?: readonly unknown[]) => {
        const result = await store.sql.query<R>(text, params);
        // The group commit's appends, a group of several or of one: the statements that NOTIFY.
        if (losses > 0 && text.includes('pg_notify(')) {
          losses -= 1;
          throw new Error('Connection terminated unexpectedly');
        }
        return result;
      },
      transaction: (fn) => store.sql.transaction(fn),
      close: async () => undefined,
    };
    const lossy = new CommandRunner(new SqlEventStore(losing, { schema: pgSchema }), new CommandMetrics(new ZanMetrics()), systemClock);
    const users = Array.from({ length: 6 }, (_, i) => `lost-answer-${i}-${randomId()}`);
    for (const user of users) {
      await run(here, user, open(user));
      await verify(here, user);
      await run(here, user, link(user));
    }
    const fundOnce = (user: string, amount: number) => {
      const command = fund(user, amount);
      const commandId = randomId();
      return lossy.executeOnce<WalletState>({
        command: command.type,
        streamId: walletStream(user),
        folder: walletDecider,
        decide: (state) => walletDecider.decide(command, state),
        metadata: { correlationId: commandId, causationId: commandId, userId: user },
        eventId: (index) => deterministicId(commandId, String(index)),
      });
    };
    losses = 3;
    // Three fundings per wallet at once: each wallet's go in one append, the wallets' appends in groups.
    const outcomes = await Promise.allSettled(
      users.flatMap((user, u) => [100, 200, 300].map((amount) => (u % 2 === 0 ? run(lossy, user, fund(user, amount)) : fundOnce(user, amount)))),
    );
    expect(losses).toBe(0);
    // Stored either way: a deterministic command gets its stored outcome, a random-id one may hear a duplicate.
    for (const [n, outcome] of outcomes.entries()) {
      if (Math.floor(n / 3) % 2 === 1) expect(outcome.status).toBe('fulfilled');
      else if (outcome.status === 'rejected') expect(outcome.reason).toBeInstanceOf(DuplicateEventError);
    }
    for (const user of users) {
      const fundings = (await store.eventStore.readStream(walletStream(user))).filter((e) => e.type === 'WalletFunded');
      expect(fundings.map((e) => (e.data as { amount: number }).amount).sort()).toEqual([100, 200, 300]);
    }
  });

  it('answers a settled fact from the cache, anything else from the store', async () => {
    const user = `settled-${randomId()}`;
    await run(here, user, open(user));
    const exists = (state: WalletState) => state.exists;
    expect((await here.load(walletStream(user), walletDecider, { settled: exists })).revision).toBe(0);
    await run(there, user, link(user));
    // Settled: the cached revision, no read. Unsettled: caught up from the store.
    expect((await here.load(walletStream(user), walletDecider, { settled: exists })).revision).toBe(0);
    expect((await here.load(walletStream(user), walletDecider)).revision).toBe(1);
  });

  it('reads the clock once per decision: a debit decided just before Beijing midnight is recorded on that day', async () => {
    // Every reading of this clock is a millisecond later than the one before: two readings for one
    // decision straddle midnight (23:59:59.999 and 00:00:00.000 in Beijing).
    let instant = Date.parse('2026-03-01T15:59:59.999Z');
    const ticking: Clock = { now: () => new Date(instant++) };
    const runner = new CommandRunner(store.eventStore, new CommandMetrics(new ZanMetrics()), ticking);
    const wallets = new WalletStreams(runner, { limits: { ...DEFAULT_LIMITS, dailySpend: 1_000 } } as ZanConfig);
    const user = `midnight-${randomId()}`;
    const context = { userId: user, correlationId: randomId(), commandId: randomId() };
    for (const command of [open(user), request(user), verified(user), link(user), fund(user, 5_000)]) {
      instant = Date.parse('2026-03-01T10:00:00.000Z');
      await wallets.decide(user, command, context, randomId());
    }
    instant = Date.parse('2026-03-01T15:59:59.999Z');
    const lastOfDay = await wallets.decide(user, withdraw(user, 1_000), context, randomId()); // the whole day's limit, on 1 March
    expect(beijingDay(lastOfDay.events[0]!.occurredAt)).toBe('2026-03-01');
    // 2 March is a new day with its whole limit, whatever instant of 1 March's last millisecond the debit was decided at.
    instant = Date.parse('2026-03-01T16:00:01.000Z');
    const nextDay = await wallets.decide(user, withdraw(user, 1_000), context, randomId());
    expect(beijingDay(nextDay.events[0]!.occurredAt)).toBe('2026-03-02');
  });
});
