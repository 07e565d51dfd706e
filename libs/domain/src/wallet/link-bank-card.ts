import type { DomainEvent } from '@zan/contracts';
import { DEFAULT_CONTEXT, type Command, type DecideContext } from '../decider';
import { CardAlreadyLinked, CardLimitReached } from '../errors';
import { requireId } from '../validation';
import { requireHash } from './request-verification';
import { isPersonalHolder, openedOnFirstUse, requireOwnStream, type WalletState } from './wallet.state';

/** The holder's name arrives masked and hashed (never in clear): personal-ness is decided from the hash. */
export type LinkBankCard = Command<'LinkBankCard', { userId: string; cardId: string; holderName: string; holderNameHash: string }>;

/**
 * Opens an individual wallet first if there is none; a no-op for the same card with the same holder.
 * A card linked before v1.1 (no holder) may be linked again with its holder, once.
 */
export const decideLinkBankCard = (
  { data }: LinkBankCard,
  state: WalletState,
  { limits }: DecideContext = DEFAULT_CONTEXT,
): DomainEvent<'WalletOpened' | 'BankCardLinked'>[] => {
  const userId = requireId(data.userId, 'userId');
  const cardId = requireId(data.cardId, 'cardId');
  const holderName = requireId(data.holderName, 'holderName');
  const holderNameHash = requireHash(data.holderNameHash, 'holderNameHash');
  requireOwnStream(state, userId);
  const linked = state.cards.get(cardId);
  if (linked?.holderNameHash !== undefined) {
    if (linked.holderNameHash === holderNameHash) return [];
    throw new CardAlreadyLinked(`card ${cardId} is already linked with another holder`);
  }
  if (!linked && state.cards.size >= limits.cardsPerWallet) {
    throw new CardLimitReached(`a wallet holds at most ${limits.cardsPerWallet} bank cards; this one has ${state.cards.size}`);
  }
  const personal = isPersonalHolder(state, holderNameHash);
  return [...(state.exists ? [] : [openedOnFirstUse(userId)]), { type: 'BankCardLinked', data: { userId, cardId, personal, holderName, holderNameHash } }];
};
