import type { AccountTier, Fen } from '@zan/contracts';
import type { DecideContext } from '../decider';
import { AnnualLimitExceeded, DailyLimitExceeded, TierAmountOutOfRange } from '../errors';
import { beijingDay, type WalletState } from './wallet.state';

/**
 * The wallet's tier, decided from its verification (never declared): verified as an individual or a
 * business, else unverified (never asked, pending, rejected, or revoked by an admin). An admin's
 * decision on a wallet that never asked goes by the wallet's kind.
 */
export const tierOf = (state: WalletState): AccountTier => {
  const verification = state.verification;
  if (verification?.status !== 'verified') return 'unverified';
  return (verification.kind ?? state.kind) === 'business' ? 'business' : 'individual';
};

const TIER_NAMES: Record<AccountTier, string> = {
  unverified: 'an unverified wallet',
  individual: 'a verified individual',
  business: 'a verified business',
};

const raise = (tier: AccountTier): string => (tier === 'unverified' ? '; verifying the wallet raises it' : '');

/** The smallest of the limits that are set (0: none). */
const tightest = (...limits: Fen[]): Fen => {
  const set = limits.filter((limit) => limit > 0);
  return set.length === 0 ? 0 : Math.min(...set);
};

/**
 * Every outgoing debit (withdrawal, transfer, tip, red packet) stays within the wallet's tier's limits
 * and the install-wide daily limit: per payment; per Beijing calendar day (the tighter of the tier's
 * and `limits.dailySpend`); per Beijing calendar year. 0 means no limit. Days and years need the
 * decision's time: without `now` only the per-payment limit is checked.
 */
export const requireWithinLimits = (state: WalletState, amount: Fen, context: DecideContext): void => {
  const tier = tierOf(state);
  const limits = context.limits.tiers?.[tier];
  const perPayment = limits?.perPayment ?? 0;
  if (perPayment > 0 && amount > perPayment) {
    throw new TierAmountOutOfRange(`${TIER_NAMES[tier]} pays at most ${perPayment} fen at once, not ${amount}${raise(tier)}`);
  }
  if (!context.now) return;
  const today = beijingDay(context.now);
  const daily = tightest(context.limits.dailySpend, limits?.daily ?? 0);
  // A decision stamped before the latest day with debits (see evolve) is judged against that day's.
  const spentToday = state.spent && state.spent.day >= today ? state.spent.amount : 0;
  if (daily > 0 && spentToday + amount > daily) {
    throw new DailyLimitExceeded(
      `spending ${amount} fen would pass today's limit of ${daily} fen for ${TIER_NAMES[tier]} (${spentToday} fen spent today)${raise(tier)}`,
    );
  }
  const annual = limits?.annual ?? 0;
  const year = today.slice(0, 4);
  const spentThisYear = state.spentThisYear && state.spentThisYear.year >= year ? state.spentThisYear.amount : 0;
  if (annual > 0 && spentThisYear + amount > annual) {
    throw new AnnualLimitExceeded(
      `spending ${amount} fen would pass this year's limit of ${annual} fen for ${TIER_NAMES[tier]} (${spentThisYear} fen spent in ${year})${raise(tier)}`,
    );
  }
};
