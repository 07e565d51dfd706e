import type { DomainEvent, WalletKind } from '@zan/contracts';
import type { Command } from '../decider';
import { InvalidCommand, WalletAlreadyOpen } from '../errors';
import { requireId } from '../validation';
import { requireOwnStream, type WalletState } from './wallet.state';

export type OpenWallet = Command<'OpenWallet', { userId: string; kind: WalletKind }>;

const KINDS: readonly string[] = ['individual', 'business'] satisfies WalletKind[];

/** A no-op when the wallet is already open with the same kind. */
export const decideOpenWallet = ({ data }: OpenWallet, state: WalletState): DomainEvent<'WalletOpened'>[] => {
  const userId = requireId(data.userId, 'userId');
  if (!KINDS.includes(data.kind)) throw new InvalidCommand('kind must be individual or business');
  requireOwnStream(state, userId);
  if (state.exists) {
    if (state.kind === data.kind) return [];
    throw new WalletAlreadyOpen(`${userId} already has ${state.kind === 'individual' ? 'an individual' : 'a business'} wallet`);
  }
  return [{ type: 'WalletOpened', data: { userId, kind: data.kind } }];
};
