import { walletBalanceDelta, walletStream, type StoredEvent, type WalletKind } from '@zan/contracts';
import type { EventStore } from '@zan/event-store';
import type { Moment } from '../core/options';
import { readEvents } from '../core/read-events';

export interface BalanceAt {
  userId: string;
  kind?: WalletKind;
  balance: number;
  /** Events of the wallet up to the moment. */
  events: number;
  last?: Pick<StoredEvent, 'position' | 'type' | 'occurredAt'>;
}

/**
 * A wallet's balance at a past moment, folded from its stream: the events stored at or before a
 * position, or that occurred at or before a time. Undefined when the wallet had no event by then.
 */
export const balanceAt = async (store: EventStore, userId: string, at?: Moment): Promise<BalanceAt | undefined> => {
  const until = at && 'position' in at ? at.position : undefined;
  const time = at && 'time' in at ? at.time.getTime() : undefined;
  const result: BalanceAt = { userId, balance: 0, events: 0 };
  for await (const event of readEvents(store, { streamId: walletStream(userId), until })) {
    if (time !== undefined && Date.parse(event.occurredAt) > time) continue;
    result.events++;
    result.balance += walletBalanceDelta(event);
    if (event.type === 'WalletOpened') result.kind = (event.data as { kind: WalletKind }).kind;
    result.last = { position: event.position, type: event.type, occurredAt: event.occurredAt };
  }
  return result.events === 0 ? undefined : result;
};
