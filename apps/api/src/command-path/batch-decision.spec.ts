import { DEFAULT_LIMITS, type StoredEvent } from '@zan/contracts';
import { InsufficientFunds, WalletAlreadyOpen, walletDecider, type WalletCommand, type WalletState } from '@zan/domain';
import { answersOf, decideBatch } from './batch-decision';
import type { Execution } from './execution';

const userId = 'batch-user';
const open: WalletCommand = { type: 'OpenWallet', data: { userId, kind: 'individual' } };
const link: WalletCommand = { type: 'LinkBankCard', data: { userId, cardId: 'card-1', holderName: '*', holderNameHash: 'a'.repeat(64) } };
const fund = (amount: number): WalletCommand => ({ type: 'FundWallet', data: { userId, fundingId: `f-${amount}`, cardId: 'card-1', amount } });
const transfer = (amount: number): WalletCommand => ({
  type: 'TransferFunds',
  data: { transferId: `t-${amount}`, fromUserId: userId, toUserId: 'payee', amount, payeeExists: true },
});

const stateAfter = (commands: WalletCommand[]): WalletState =>
  commands.reduce((state, command) => walletDecider.decide(command, state).reduce(walletDecider.evolve, state), walletDecider.initialState);

const execution = (command: WalletCommand, now?: Date): Execution<WalletState> => ({
  command: command.type,
  streamId: `wallet-${userId}`,
  folder: walletDecider,
  decide: (state, decidedAt) => walletDecider.decide(command, state, { limits: DEFAULT_LIMITS, now: decidedAt.toISOString() }),
  metadata: { correlationId: 'c', causationId: command.type, userId },
  eventId: (index) => `${command.type}-${index}`,
  ...(now && { now }),
});

/** A clock whose every reading is a millisecond after the last: each reading is told apart. */
const ticking = () => {
  const readings: Date[] = [];
  let instant = Date.parse('2026-03-01T10:00:00.000Z');
  return { readings, clock: { now: () => readings[readings.push(new Date(instant++)) - 1]! } };
};

describe('decideBatch: commands of one stream decided together, answered as a value', () => {
  const funded = stateAfter([open, link, fund(1_000)]);

  it('decides each command on the state the earlier ones leave: events to append in order, a refusal as its own outcome', () => {
    const decision = decideBatch([execution(transfer(600)), execution(transfer(600)), execution(transfer(300))], funded, false, ticking().clock);
    if (decision.kind !== 'decided') throw new Error(`expected decided, got ${decision.kind}`);
    expect(decision.outcomes.map((outcome) => ('error' in outcome ? outcome.error : outcome.events.map((e) => e.id)))).toEqual([
      ['TransferFunds-0'],
      expect.any(InsufficientFunds),
      ['TransferFunds-0'],
    ]);
    expect(decision.events).toHaveLength(2);
    expect(decision.state.balance).toBe(100);
  });

  it('is stale on a cached state when a refusal a newer state could undo comes up, or a no-op', () => {
    const { clock } = ticking();
    expect(decideBatch([execution(transfer(600)), execution(transfer(600))], funded, true, clock)).toEqual({ kind: 'stale' });
    expect(decideBatch([execution(open)], funded, true, clock)).toEqual({ kind: 'stale' });
    // On the stored state the same are answers: a refusal, a no-op.
    const stored = decideBatch([execution(transfer(5_000)), execution(open)], funded, false, clock);
    expect(stored.kind === 'decided' && stored.outcomes).toEqual([{ error: expect.any(InsufficientFunds) }, { events: [], state: funded }]);
  });

  it('lets a final refusal stand on a cached state', () => {
    const asBusiness: WalletCommand = { type: 'OpenWallet', data: { userId, kind: 'business' } };
    const decision = decideBatch([execution(asBusiness), execution(transfer(100))], funded, true, ticking().clock);
    expect(decision.kind === 'decided' && decision.outcomes[0]).toEqual({ error: expect.any(WalletAlreadyOpen) });
    expect(decideBatch([execution(transfer(100))], stateAfter([open]), true, ticking().clock)).toEqual({ kind: 'stale' });
  });

  it('lets a refusal the command names stand on a cached state the store confirmed moments ago, and only then', () => {
    const standing = { ...execution(transfer(5_000)), standsWhileFresh: (error: unknown) => error instanceof InsufficientFunds };
    const fresh = decideBatch([standing], funded, true, ticking().clock, true);
    expect(fresh.kind === 'decided' && fresh.outcomes).toEqual([{ error: expect.any(InsufficientFunds) }]);
    expect(decideBatch([standing], funded, true, ticking().clock, false)).toEqual({ kind: 'stale' });
    // A refusal the command does not name is decided again, fresh or not.
    expect(decideBatch([execution(transfer(5_000))], funded, true, ticking().clock, true)).toEqual({ kind: 'stale' });
  });

  it('reads the clock once per decision and stamps that very reading as occurredAt; a command carrying its time reads none', () => {
    const { clock, readings } = ticking();
    const carried = new Date('2026-03-01T15:59:59.999Z');
    const decision = decideBatch([execution(transfer(100)), execution(transfer(200), carried), execution(transfer(300))], funded, false, clock);
    expect(readings).toHaveLength(2);
    expect(decision.kind === 'decided' && decision.events.map((e) => e.occurredAt)).toEqual([
      readings[0]!.toISOString(),
      carried.toISOString(),
      readings[1]!.toISOString(),
    ]);
  });
});

describe('answersOf: each command its own events, and the revision and position after them', () => {
  const stored = (revision: number): StoredEvent => ({ revision, position: BigInt(100 + revision) }) as StoredEvent;

  it('splits the appended events by command; a refusal or a no-op answers the revision before it', () => {
    const events = (n: number) => Array.from({ length: n }, () => ({}) as never);
    const answers = answersOf<string>(
      [{ events: events(1), state: 'a' }, { error: 'refused' }, { events: [], state: 'a' }, { events: events(2), state: 'b' }],
      [stored(4), stored(5), stored(6)],
      { state: 'base', revision: 3, position: 103n },
    );
    expect(answers).toEqual([
      { executed: { events: [stored(4)], state: 'a', revision: 4, position: 104n } },
      { error: 'refused' },
      { executed: { events: [], state: 'a', revision: 4, position: 104n } },
      { executed: { events: [stored(5), stored(6)], state: 'b', revision: 6, position: 106n } },
    ]);
  });
});
