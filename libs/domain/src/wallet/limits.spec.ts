import fc from 'fast-check';
import { DEFAULT_LIMITS, type AccountTier, type MoneyLimits } from '@zan/contracts';
import { fold, type DecideContext, type EventLike } from '../decider';
import { AnnualLimitExceeded, DailyLimitExceeded, DomainError, TierAmountOutOfRange } from '../errors';
import { cardLinked, funded, verificationRejected, verificationRequested, walletOpened, walletVerified } from '../testing/fixtures';
import { specFor } from '../testing/given-when-then';
import { PROPERTY_PARAMS } from '../testing/property';
import { tierOf } from './limits';
import { walletDecider, type WalletCommand } from './wallet.decider';

const given = specFor(walletDecider);

/** A funded wallet of each tier (the unverified one never asked). */
const walletOf = (tier: AccountTier, balance = 100_000_000): EventLike[] => {
  const opened = walletOpened('bob', tier === 'business' ? 'business' : 'individual');
  const verified = tier === 'unverified' ? [] : [verificationRequested('bob', { kind: tier }), walletVerified('bob')];
  return [opened, ...verified, cardLinked('bob'), funded('bob', balance)];
};

const transferred = (amount: number, occurredAt: string, n = occurredAt): EventLike => ({
  type: 'FundsTransferred',
  data: { transferId: `t-${n}`, fromUserId: 'bob', toUserId: 'carol', amount },
  occurredAt,
});
const transfer = (amount: number): WalletCommand => ({
  type: 'TransferFunds',
  data: { transferId: 't-new', fromUserId: 'bob', toUserId: 'carol', amount, payeeExists: true },
});
const accepted = (amount: number) => [{ type: 'FundsTransferred' as const, data: { transferId: 't-new', fromUserId: 'bob', toUserId: 'carol', amount } }];

/** Small limits, easy to read: no install-wide daily limit, the route allows up to 5,000,000 fen. */
const limits: MoneyLimits = {
  ...DEFAULT_LIMITS,
  dailySpend: 0,
  tiers: {
    unverified: { perPayment: 1_000, daily: 2_000, annual: 5_000 },
    individual: { perPayment: 5_000, daily: 10_000, annual: 200_000 },
    business: { perPayment: 0, daily: 0, annual: 0 },
  },
};
const at = (now: string, over: Partial<MoneyLimits> = {}): DecideContext => ({ limits: { ...limits, ...over }, now });
const NOW = '2026-06-01T02:00:00Z'; // 10:00 in Beijing

describe('account tiers', () => {
  it('are decided from verification: verified individual or business, else unverified', () => {
    const tier = (events: EventLike[]) => tierOf(fold(walletDecider, events));
    expect(tier([])).toBe('unverified');
    expect(tier([walletOpened('bob')])).toBe('unverified');
    expect(tier([walletOpened('bob'), verificationRequested('bob')])).toBe('unverified');
    expect(tier([walletOpened('bob'), verificationRequested('bob'), verificationRejected('bob')])).toBe('unverified');
    expect(tier(walletOf('individual'))).toBe('individual');
    expect(tier(walletOf('business'))).toBe('business');
    // An admin's decision on a wallet that never asked goes by its kind; revoking it drops the tier.
    expect(tier([walletOpened('shop', 'business'), walletVerified('shop', 'admin', null)])).toBe('business');
    expect(tier([...walletOf('individual'), verificationRejected('bob', 'admin', null)])).toBe('unverified');
  });
});

describe('limits by tier', () => {
  it("refuse a payment over the tier's most per payment, and raise it once verified", () => {
    given(walletOf('unverified'))
      .when(transfer(1_001), at(NOW))
      .thenThrows(TierAmountOutOfRange, /an unverified wallet pays at most 1000 fen at once.*verifying the wallet raises it/);
    given(walletOf('unverified')).when(transfer(1_000), at(NOW)).then(accepted(1_000));
    given(walletOf('individual')).when(transfer(5_000), at(NOW)).then(accepted(5_000));
    given(walletOf('individual'))
      .when(transfer(5_001), at(NOW))
      .thenThrows(TierAmountOutOfRange, /a verified individual pays at most 5000 fen/);
    given(walletOf('business')).when(transfer(5_000_000), at(NOW)).then(accepted(5_000_000));
  });

  it('check the per-payment limit even without the time of the decision', () => {
    given(walletOf('unverified')).when(transfer(1_001), { limits }).thenThrows(TierAmountOutOfRange);
  });

  it("refuse the debit that passes the tier's daily limit, counting every kind of debit of the Beijing day", () => {
    const today = [...walletOf('unverified'), transferred(1_000, '2026-06-01T00:30:00Z'), transferred(900, '2026-05-31T17:00:00Z')];
    given(today)
      .when(transfer(101), at(NOW))
      .thenThrows(DailyLimitExceeded, /today's limit of 2000 fen for an unverified wallet \(1900 fen spent today\)/);
    given(today).when(transfer(100), at(NOW)).then(accepted(100));
    // 15:59 UTC the day before is 23:59 in Beijing: another day.
    given([...walletOf('unverified'), transferred(1_000, '2026-05-31T15:59:00Z')])
      .when(transfer(1_000), at(NOW))
      .then(accepted(1_000));
  });

  it("take the tighter of the tier's daily limit and the install-wide one", () => {
    given(walletOf('business'))
      .when(transfer(1_001), at(NOW, { dailySpend: 1_000 }))
      .thenThrows(DailyLimitExceeded, /1000 fen for a verified business/);
    given(walletOf('unverified'))
      .when(transfer(1_000), at(NOW, { dailySpend: 50_000 }))
      .then(accepted(1_000));
    given([...walletOf('unverified'), transferred(1_000, NOW)])
      .when(transfer(1_000), at(NOW, { dailySpend: 1_500 }))
      .thenThrows(DailyLimitExceeded, /limit of 1500 fen/);
  });

  it("refuse the debit that passes the tier's annual limit, and start again in the next Beijing year", () => {
    const year = [...walletOf('unverified'), ...[1, 2, 3, 4, 5].map((day) => transferred(900, `2026-03-0${day}T02:00:00Z`))];
    given(year)
      .when(transfer(501), at(NOW))
      .thenThrows(AnnualLimitExceeded, /this year's limit of 5000 fen for an unverified wallet \(4500 fen spent in 2026\)/);
    given(year).when(transfer(500), at(NOW)).then(accepted(500));
    // 2026-12-31T16:00Z is already 2027 in Beijing.
    given(year).when(transfer(1_000), at('2026-12-31T16:00:00Z')).then(accepted(1_000));
  });

  it('are off where set to 0', () => {
    const none = { perPayment: 0, daily: 0, annual: 0 };
    given([...walletOf('unverified'), transferred(9_000, NOW)])
      .when(transfer(9_000), at(NOW, { tiers: { ...limits.tiers, unverified: none } }))
      .then(accepted(9_000));
  });

  it('cover withdrawals too (a verified wallet only)', () => {
    given([...walletOf('individual'), transferred(9_000, NOW)])
      .when({ type: 'WithdrawFunds', data: { userId: 'bob', withdrawalId: 'w-1', cardId: 'card-1', amount: 1_001 } }, at(NOW))
      .thenThrows(DailyLimitExceeded, /10000 fen for a verified individual/);
  });
});

describe('limits by tier (property)', () => {
  it("accept a debit exactly when the payment, its Beijing day and its Beijing year stay within the tier's limits", () => {
    // Round amounts too, so sums land exactly on a limit.
    const amount = fc.oneof(
      { arbitrary: fc.integer({ min: 1, max: 3_000 }), weight: 1 },
      { arbitrary: fc.integer({ min: 1, max: 4 }).map((n) => n * 500), weight: 3 },
    );
    const debit = fc.record({ amount, minutes: fc.integer({ min: 0, max: 2 * 24 * 60 }) });
    fc.assert(
      fc.property(fc.constantFrom<AccountTier>('unverified', 'individual', 'business'), fc.array(debit, { maxLength: 8 }), debit, (tier, past, next) => {
        // Debits spread over two Beijing days; the year's start is far behind.
        const instant = (minutes: number) => new Date(Date.parse('2026-05-29T16:00:00Z') + minutes * 60_000).toISOString();
        const history = past.map((d, n) => transferred(d.amount, instant(d.minutes), `${n}`));
        const now = instant(next.minutes);
        const day = (iso: string) => new Date(Date.parse(iso) + 8 * 3_600_000).toISOString().slice(0, 10);
        // The model: sums of the past debits of the same Beijing day / year as the latest debit before now.
        const latest = [...history].filter((e) => e.occurredAt! <= now);
        const sameDay = latest.filter((e) => day(e.occurredAt!) === day(now)).reduce((s, e) => s + (e.data as { amount: number }).amount, 0);
        const sameYear = latest.reduce((s, e) => s + (e.data as { amount: number }).amount, 0);
        const l = limits.tiers[tier];
        const expected =
          (l.perPayment === 0 || next.amount <= l.perPayment) &&
          (l.daily === 0 || sameDay + next.amount <= l.daily) &&
          (l.annual === 0 || sameYear + next.amount <= l.annual);
        // Events arrive in time order on a stream.
        const ordered = latest.sort((a, b) => a.occurredAt!.localeCompare(b.occurredAt!));
        const state = fold(walletDecider, [...walletOf(tier), ...ordered]);
        let decided: boolean;
        try {
          walletDecider.decide(transfer(next.amount), state, at(now));
          decided = true;
        } catch (error) {
          if (!(error instanceof DomainError) || error.status !== 422) throw error;
          decided = false;
        }
        expect(decided).toBe(expected);
      }),
      PROPERTY_PARAMS,
    );
  });
});
