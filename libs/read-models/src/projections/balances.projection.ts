import { CURRENCY, streamCategory, streamEntityId, walletBalanceDelta, type WalletKind } from '@zan/contracts';
import { keys } from '../keys';
import { isEventOf, type Projection } from '../projection';
import type { WalletView } from '../views';
import { intField, type RawHash } from './raw';

/**
 * wallet:<userId> = { userId, kind, balance }. The balance is a sum of signed deltas, so credits
 * (tip, red-packet categories) and debits (wallet category) may land in any order.
 */
export const balancesProjection: Projection = {
  name: 'balances',
  project(event) {
    if (streamCategory(event.streamId) !== 'wallet') return [];
    const userId = streamEntityId(event.streamId);
    const key = keys.wallet(userId);
    if (isEventOf(event, 'WalletOpened')) return [{ op: 'hset', key, values: { userId, kind: event.data.kind } }];
    const delta = walletBalanceDelta(event);
    return delta === 0 ? [] : [{ op: 'hincrby', key, field: 'balance', by: delta }];
  },
};

/** A wallet exists for readers once its WalletOpened is applied; credits seen earlier wait for it. */
export const walletView = (userId: string, hash: RawHash): WalletView | undefined => {
  if (hash.kind === undefined) return undefined;
  return { userId, kind: hash.kind as WalletKind, balance: intField(hash, 'balance'), currency: CURRENCY };
};
