import { CURRENCY, streamCategory, streamEntityId, walletBalanceDelta, type WalletKind } from '@zan/contracts';
import type { VerificationStatus } from '../views';
import { keys } from '../keys';
import { isEventOf, type Projection } from '../projection';
import type { WalletView } from '../views';
import { intField, type RawHash } from './raw';

/** The verification as readers see it: a status only, never a name or a number, masked or not. */
const VERIFICATION_BY_EVENT: Record<string, VerificationStatus> = {
  VerificationRequested: 'pending',
  WalletVerified: 'verified',
  VerificationRejected: 'rejected',
};

/**
 * wallet:<userId> = { userId, kind, balance, verification }. The balance is a sum of signed deltas, so credits
 * (tip, red-packet categories) and debits (wallet category) may land in any order.
 */
export const balancesProjection: Projection = {
  name: 'balances',
  project(event) {
    if (streamCategory(event.streamId) !== 'wallet') return [];
    const userId = streamEntityId(event.streamId);
    const key = keys.wallet(userId);
    if (isEventOf(event, 'WalletOpened')) return [{ op: 'hset', key, values: { userId, kind: event.data.kind } }];
    const verification = VERIFICATION_BY_EVENT[event.type];
    if (verification) return [{ op: 'hset', key, values: { verification } }];
    const delta = walletBalanceDelta(event);
    return delta === 0 ? [] : [{ op: 'hincrby', key, field: 'balance', by: delta }];
  },
};

/** A wallet exists for readers once its WalletOpened is applied; credits seen earlier wait for it. */
export const walletView = (userId: string, hash: RawHash): WalletView | undefined => {
  if (hash.kind === undefined) return undefined;
  const verification = (hash.verification ?? 'none') as VerificationStatus;
  return { userId, kind: hash.kind as WalletKind, balance: intField(hash, 'balance'), currency: CURRENCY, verification };
};
