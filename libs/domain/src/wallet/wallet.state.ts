import {
  isZanEventType,
  walletBalanceDelta,
  type BankCardLinked,
  type DomainEvent,
  type VerificationKind,
  type VerificationDecider,
  type VerificationRejected,
  type VerificationRequested,
  type WalletVerified,
  type Fen,
  type WalletKind,
  type WalletOpened,
} from '@zan/contracts';
import type { EventLike } from '../decider';
import { CardNotLinked, InsufficientFunds, InvalidCommand, VerificationRequired } from '../errors';
import { LinkedCards } from './linked-cards';

export { type BankCard, LinkedCards } from './linked-cards';

/** The state of stream `wallet-<userId>`. A missing wallet has balance 0 and no cards. */
export interface WalletState {
  exists: boolean;
  userId?: string;
  kind?: WalletKind;
  cards: LinkedCards;
  balance: Fen;
  /** The latest verification; absent: never asked (every v1 wallet after the upgrade). */
  verification?: Verification;
  /** Debits of the latest day with any (Beijing calendar day, YYYY-MM-DD), for the daily limit. */
  spent?: { day: string; amount: Fen };
  /** Debits of the latest year with any (Beijing calendar year, YYYY), for the tier's annual limit. */
  spentThisYear?: { year: string; amount: Fen };
}

export type VerificationStatus = 'none' | 'pending' | 'verified' | 'rejected';

/** What the wallet asked to be verified as (hashes only) and where the decision stands. */
export interface Verification {
  status: Exclude<VerificationStatus, 'none'>;
  /** Absent when an admin decided on a wallet that never asked. */
  verificationId?: string;
  kind?: VerificationKind;
  nameHash?: string;
  numberHash?: string;
  /** Who decided it, once decided: the provider, or an admin (whose rejection only an admin lifts). */
  decidedBy?: VerificationDecider | undefined;
}

/** Every event on a wallet stream: what the wallet's commands emit. */
export type WalletEvent = DomainEvent<
  | 'WalletOpened'
  | 'BankCardLinked'
  | 'VerificationRequested'
  | 'WalletVerified'
  | 'VerificationRejected'
  | 'WalletFunded'
  | 'WalletWithdrawn'
  | 'FundsTransferred'
  | 'TransferReceived'
  | 'TipPraised'
  | 'TipReceived'
  | 'RedPacketSent'
  | 'RedPacketShareReceived'
  | 'RedPacketRefunded'
  | 'OrderPlaced'
  | 'OrderPaymentDeclined'
  | 'OrderPaymentReceived'
  | 'OrderRefunded'
  | 'OrderRefundDeclined'
  | 'OrderRefundReceived'
  | 'MerchantPaid'
  | 'MerchantPaymentReceived'
  | 'MerchantPaymentReturned'
  | 'GroupBuyFundsHeld'
  | 'GroupBuyFundsReturned'
  | 'GroupBuyPaymentReceived'
>;

export const initialState: WalletState = Object.freeze({ exists: false, cards: LinkedCards.empty(), balance: 0 });

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
      const card = { personal: data.personal, ...(data.holderNameHash !== undefined && { holderNameHash: data.holderNameHash }) };
      return { ...state, cards: state.cards.with(data.cardId, card) };
    }
    case 'VerificationRequested': {
      const { verificationId, kind, nameHash, numberHash } = event.data as VerificationRequested;
      return { ...state, verification: { status: 'pending', verificationId, kind, nameHash, numberHash } };
    }
    case 'WalletVerified':
    case 'VerificationRejected': {
      const status = event.type === 'WalletVerified' ? 'verified' : 'rejected';
      const { decidedBy } = event.data as WalletVerified | VerificationRejected;
      return { ...state, verification: { ...state.verification, status, decidedBy } };
    }
    default: {
      const delta = walletBalanceDelta(event);
      if (delta === 0) return state;
      const next = { ...state, balance: state.balance + delta };
      if (delta < 0 && event.occurredAt) {
        // Decision times are not monotonic on a stream (a red packet's reading is taken before it waits
        // on the wallet's lane; replicas' clocks differ): a debit stamped before the latest day with
        // debits counts on that day, so a late one never resets the counters of a later day.
        const stamped = beijingDay(event.occurredAt);
        const day = state.spent && state.spent.day > stamped ? state.spent.day : stamped;
        next.spent = { day, amount: (state.spent?.day === day ? state.spent.amount : 0) - delta };
        const stampedYear = stamped.slice(0, 4);
        const year = state.spentThisYear && state.spentThisYear.year > stampedYear ? state.spentThisYear.year : stampedYear;
        next.spentThisYear = { year, amount: (state.spentThisYear?.year === year ? state.spentThisYear.amount : 0) - delta };
      }
      return next;
    }
  }
};

export const verificationStatus = (state: WalletState): VerificationStatus => state.verification?.status ?? 'none';

/**
 * A personal card: held by the verified individual, by name (hashes compared). Decided from the
 * verification, whenever the card was linked: a card linked before the wallet was verified becomes
 * personal once the verification names its holder. A business wallet's cards never are.
 */
export const hasPersonalCard = (state: WalletState): boolean => {
  const verification = state.verification;
  if (state.kind === 'business' || verification?.status !== 'verified' || verification.kind !== 'individual' || !verification.nameHash) return false;
  return state.cards.hasHolder(verification.nameHash);
};

/** Whether a card held by `nameHash` would be personal on this wallet now. */
export const isPersonalHolder = (state: WalletState, nameHash: string): boolean =>
  state.kind !== 'business' &&
  state.verification?.status === 'verified' &&
  state.verification.kind === 'individual' &&
  state.verification.nameHash === nameHash;

/** Money leaves Zan (a withdrawal) only from a verified wallet. */
export const requireVerified = (state: WalletState): void => {
  if (state.verification?.status !== 'verified') {
    throw new VerificationRequired(`the wallet is not verified (verification: ${verificationStatus(state)}); verify it before withdrawing`);
  }
};

/** Guards against a command decided on another user's stream (a caller bug, not a user error). */
export const requireOwnStream = (state: WalletState, userId: string): void => {
  if (state.exists && state.userId !== undefined && state.userId !== userId) {
    throw new InvalidCommand(`command for ${userId} was decided on the wallet of ${state.userId}`);
  }
};

/** The calendar day of an instant in China Standard Time (UTC+8, no daylight saving). */
export const beijingDay = (iso: string): string => new Date(Date.parse(iso) + 8 * 3600_000).toISOString().slice(0, 10);

export const requireCard = (state: WalletState, cardId: string): void => {
  if (!state.cards.has(cardId)) throw new CardNotLinked(`card ${cardId} is not linked to this wallet`);
};

/** Debits never make a balance negative; a missing wallet has nothing to spend. */
export const requireFunds = (state: WalletState, amount: Fen): void => {
  if (state.balance < amount) throw new InsufficientFunds(`balance is ${state.balance} fen, ${amount} fen needed`);
};

export const openedOnFirstUse = (userId: string): DomainEvent<'WalletOpened'> => ({
  type: 'WalletOpened',
  data: { userId, kind: 'individual' },
});
