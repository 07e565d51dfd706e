import type { DomainEvent, Fen } from '@zan/contracts';
import { DEFAULT_CONTEXT, type Command, type DecideContext } from '../decider';
import { requireAmountWithin, requireId } from '../validation';
import { requireCard, requireFunds, requireOwnStream, requireVerified, type WalletState } from './wallet.state';
import { requireWithinLimits } from './limits';

export type WithdrawFunds = Command<'WithdrawFunds', { userId: string; withdrawalId: string; cardId: string; amount: Fen }>;

/** Checks: shape, limits, verification (money leaves Zan only from a verified wallet), card, balance, then the tier's and the daily spending limits. */
export const decideWithdrawFunds = (
  { data }: WithdrawFunds,
  state: WalletState,
  context: DecideContext = DEFAULT_CONTEXT,
): DomainEvent<'WalletWithdrawn'>[] => {
  const userId = requireId(data.userId, 'userId');
  const withdrawalId = requireId(data.withdrawalId, 'withdrawalId');
  const cardId = requireId(data.cardId, 'cardId');
  requireOwnStream(state, userId);
  const amount = requireAmountWithin(data.amount, context.limits.withdrawal, 'a withdrawal');
  requireVerified(state);
  requireCard(state, cardId);
  requireFunds(state, amount);
  requireWithinLimits(state, amount, context);
  return [{ type: 'WalletWithdrawn', data: { userId, withdrawalId, cardId, amount } }];
};
