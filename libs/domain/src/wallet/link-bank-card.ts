import type { DomainEvent } from '@zan/contracts';
import { DEFAULT_CONTEXT, type Command, type DecideContext } from '../decider';
import { CardAlreadyLinked, CardLimitReached, InvalidCommand } from '../errors';
import { requireId } from '../validation';
import { openedOnFirstUse, requireOwnStream, type WalletState } from './wallet.state';

export type LinkBankCard = Command<'LinkBankCard', { userId: string; cardId: string; personal: boolean }>;

/** Opens an individual wallet first if there is none; a no-op for the same card linked the same way. */
export const decideLinkBankCard = (
  { data }: LinkBankCard,
  state: WalletState,
  { limits }: DecideContext = DEFAULT_CONTEXT,
): DomainEvent<'WalletOpened' | 'BankCardLinked'>[] => {
  const userId = requireId(data.userId, 'userId');
  const cardId = requireId(data.cardId, 'cardId');
  if (typeof data.personal !== 'boolean') throw new InvalidCommand('personal must be true or false');
  requireOwnStream(state, userId);
  const linked = state.cards.get(cardId);
  if (linked) {
    if (linked.personal === data.personal) return [];
    throw new CardAlreadyLinked(`card ${cardId} is already linked as ${linked.personal ? 'personal' : 'not personal'}`);
  }
  if (state.cards.size >= limits.cardsPerWallet) {
    throw new CardLimitReached(`a wallet holds at most ${limits.cardsPerWallet} bank cards; this one has ${state.cards.size}`);
  }
  return [...(state.exists ? [] : [openedOnFirstUse(userId)]), { type: 'BankCardLinked', data: { userId, cardId, personal: data.personal } }];
};
