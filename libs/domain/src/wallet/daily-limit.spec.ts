import { DEFAULT_LIMITS } from '@zan/contracts';
import type { DecideContext, EventLike } from '../decider';
import { DailyLimitExceeded } from '../errors';
import { walletWith } from '../testing/fixtures';
import { specFor } from '../testing/given-when-then';
import { walletDecider, type WalletCommand } from './wallet.decider';
import { beijingDay } from './wallet.state';

const given = specFor(walletDecider);
const limits = { ...DEFAULT_LIMITS, dailySpend: 1_000 };
const at = (now: string): DecideContext => ({ limits, now });
const withdrawn = (amount: number, occurredAt: string): EventLike => ({
  type: 'WalletWithdrawn',
  data: { userId: 'bob', withdrawalId: `w-${occurredAt}`, cardId: 'card-1', amount },
  occurredAt,
});
const withdraw = (amount: number): WalletCommand => ({ type: 'WithdrawFunds', data: { userId: 'bob', withdrawalId: 'w-new', cardId: 'card-1', amount } });
const transfer = (amount: number): WalletCommand => ({
  type: 'TransferFunds',
  data: { transferId: 't-new', fromUserId: 'bob', toUserId: 'carol', amount, payeeExists: true },
});

describe('daily spending limit', () => {
  const rich = walletWith('bob', 100_000);

  it('counts the day in Beijing time', () => {
    expect(beijingDay('2026-03-01T15:59:59Z')).toBe('2026-03-01');
    expect(beijingDay('2026-03-01T16:00:00Z')).toBe('2026-03-02');
  });

  it('lets a wallet spend up to the limit in a day, across kinds of debit', () => {
    given([...rich, withdrawn(600, '2026-03-01T01:00:00Z')])
      .when(transfer(400), at('2026-03-01T10:00:00Z'))
      .then([{ type: 'FundsTransferred', data: { transferId: 't-new', fromUserId: 'bob', toUserId: 'carol', amount: 400 } }]);
  });

  it('refuses the debit that would pass the limit', () => {
    given([...rich, withdrawn(600, '2026-03-01T01:00:00Z')])
      .when(withdraw(401), at('2026-03-01T10:00:00Z'))
      .thenThrows(DailyLimitExceeded, /600 fen spent today/);
  });

  it('starts again the next Beijing day', () => {
    given([...rich, withdrawn(1_000, '2026-03-01T15:00:00Z')])
      .when(withdraw(1_000), at('2026-03-01T16:30:00Z'))
      .then([{ type: 'WalletWithdrawn', data: { userId: 'bob', withdrawalId: 'w-new', cardId: 'card-1', amount: 1_000 } }]);
  });

  it('counts a debit stamped before the latest day it has debits for on that day, not as a new count of the day before', () => {
    // Decision times are not monotonic on a stream: a red packet's reading is taken before it waits on
    // the wallet's lane, and replicas' clocks differ. 2 March 00:00:00.050 Beijing spends the whole
    // limit; a debit stored after it but stamped 1 March 23:59:59.950 must not reset 2 March's count.
    given([...rich, withdrawn(1_000, '2026-03-01T16:00:00.050Z'), withdrawn(1, '2026-03-01T15:59:59.950Z')])
      .when(withdraw(1_000), at('2026-03-01T16:00:01Z'))
      .thenThrows(DailyLimitExceeded, /1001 fen spent today/);
    // And a decision stamped on the earlier day is judged against the later day's count.
    given([...rich, withdrawn(1_000, '2026-03-01T16:00:00.050Z')])
      .when(withdraw(1), at('2026-03-01T15:59:59.950Z'))
      .thenThrows(DailyLimitExceeded, /1000 fen spent today/);
  });

  it('is off when the limit is 0 or the decision has no time', () => {
    given([...rich, withdrawn(1_000, '2026-03-01T01:00:00Z')])
      .when(withdraw(5_000), { limits: { ...limits, dailySpend: 0 }, now: '2026-03-01T02:00:00Z' })
      .then([{ type: 'WalletWithdrawn', data: { userId: 'bob', withdrawalId: 'w-new', cardId: 'card-1', amount: 5_000 } }]);
    given([...rich])
      .when(withdraw(5_000), { limits })
      .then([{ type: 'WalletWithdrawn', data: { userId: 'bob', withdrawalId: 'w-new', cardId: 'card-1', amount: 5_000 } }]);
  });
});
