import {
  isZanEventType,
  walletBalanceDelta,
  type BankCardLinked,
  type DomainEvent,
  type Fen,
  type WalletKind,
  type WalletOpened,
} from '@zan/contracts';
import type { EventLike } from '../decider';
import { InsufficientFunds, InvalidCommand } from '../errors';

export interface BankCard {
  personal: boolean;
}

/** The state of stream `wallet-<userId>`. A missing wallet has balance 0 and no cards. */
export interface WalletState {
  exists: boolean;
  userId?: string;
  kind?: WalletKind;
  cards: ReadonlyMap<string, BankCard>;
  balance: Fen;
}

/** Every event the wallet decider (and the tip and red-packet debits on the wallet stream) emits. */
export type WalletEvent = DomainEvent<
  | 'WalletOpened'
  | 'BankCardLinked'
  | 'WalletFunded'
  | 'WalletWithdrawn'
  | 'FundsTransferred'
  | 'TransferReceived'
  | 'TipPraised'
  | 'TipReceived'
  | 'RedPacketSent'
  | 'RedPacketShareReceived'
  | 'RedPacketRefunded'
>;

export const initialState: WalletState = Object.freeze({ exists: false, cards: new Map<string, BankCard>(), balance: 0 });

/** Pure: returns a new state, never touches the old one (callers cache states). Unknown events are ignored. */
export const evolve = (state: WalletState, event: EventLike): WalletState => {
  if (!isZanEventType(event.type)) return state;
  switch (event.type) {
    case 'WalletOpened': {
      const data = event.data as WalletOpened;
      return { ...state, exists: true, userId: data.userId, kind: data.kind };
    }
    case 'BankCardLinked': {
      const data = event.data as BankCardLinked;
      const cards = new Map(state.cards);
      cards.set(data.cardId, { personal: data.personal });
      return { ...state, cards };
    }
    default: {
      const delta = walletBalanceDelta(event);
      return delta === 0 ? state : { ...state, balance: state.balance + delta };
    }
  }
};

export const hasPersonalCard = (state: WalletState): boolean => [...state.cards.values()].some((card) => card.personal);

/** Guards against a command decided on another user's stream (a caller bug, not a user error). */
export const requireOwnStream = (state: WalletState, userId: string): void => {
  if (state.exists && state.userId !== undefined && state.userId !== userId) {
    throw new InvalidCommand(`command for ${userId} was decided on the wallet of ${state.userId}`);
  }
};

/** Debits never make a balance negative; a missing wallet has nothing to spend. */
export const requireFunds = (state: WalletState, amount: Fen): void => {
  if (state.balance < amount) throw new InsufficientFunds(`balance is ${state.balance} fen, ${amount} fen needed`);
};

export const openedOnFirstUse = (userId: string): DomainEvent<'WalletOpened'> => ({
  type: 'WalletOpened',
  data: { userId, kind: 'individual' },
});
