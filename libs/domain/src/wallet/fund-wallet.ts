import type { DomainEvent, Fen } from '@zan/contracts';
import { DEFAULT_CONTEXT, type Command, type DecideContext } from '../decider';
import { requireAmountWithin, requireId } from '../validation';
import { requireCard, requireOwnStream, type WalletState } from './wallet.state';

export type FundWallet = Command<'FundWallet', { userId: string; fundingId: string; cardId: string; amount: Fen }>;

/** A top-up from a linked card, within limits.funding. */
export const decideFundWallet = ({ data }: FundWallet, state: WalletState, { limits }: DecideContext = DEFAULT_CONTEXT): DomainEvent<'WalletFunded'>[] => {
  const userId = requireId(data.userId, 'userId');
  const fundingId = requireId(data.fundingId, 'fundingId');
  const cardId = requireId(data.cardId, 'cardId');
  requireOwnStream(state, userId);
  const amount = requireAmountWithin(data.amount, limits.funding, 'a top-up');
  requireCard(state, cardId);
  return [{ type: 'WalletFunded', data: { userId, fundingId, amount, source: { kind: 'card', cardId } } }];
};
