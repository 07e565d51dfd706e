import type { WalletKind } from '@zan/contracts';
import { DEFAULT_CONTEXT, type DecideContext, type Decider } from '../decider';
import { CardAlreadyLinked, CardLimitReached, CardNotLinked, InvalidCommand, SelfPayment, WalletAlreadyOpen, WalletNotFound } from '../errors';
import { decideSendRedPacket } from '../red-packet/send-red-packet';
import { decide as decidePraiseTip } from '../tip/tip.decider';
import { optionalText, requireAmountWithin, requireId, requirePayable } from '../validation';
import type {
  CreditWallet,
  FundWallet,
  LinkBankCard,
  OpenWallet,
  TransferFunds,
  WalletCommand,
  WalletCredit,
  WithdrawFunds,
} from './wallet.commands';
import {
  evolve,
  initialState,
  openedOnFirstUse,
  requireFunds,
  requireOwnStream,
  requireWithinDailyLimit,
  type WalletEvent,
  type WalletState,
} from './wallet.state';

const KINDS: readonly string[] = ['individual', 'business'] satisfies WalletKind[];

const openWallet = ({ data }: OpenWallet, state: WalletState): WalletEvent[] => {
  const userId = requireId(data.userId, 'userId');
  if (!KINDS.includes(data.kind)) throw new InvalidCommand('kind must be individual or business');
  requireOwnStream(state, userId);
  if (state.exists) {
    if (state.kind === data.kind) return [];
    throw new WalletAlreadyOpen(`${userId} already has ${state.kind === 'individual' ? 'an individual' : 'a business'} wallet`);
  }
  return [{ type: 'WalletOpened', data: { userId, kind: data.kind } }];
};

const linkBankCard = ({ data }: LinkBankCard, state: WalletState, { limits }: DecideContext): WalletEvent[] => {
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

const requireCard = (state: WalletState, cardId: string): void => {
  if (!state.cards.has(cardId)) throw new CardNotLinked(`card ${cardId} is not linked to this wallet`);
};

const fundWallet = ({ data }: FundWallet, state: WalletState, { limits }: DecideContext): WalletEvent[] => {
  const userId = requireId(data.userId, 'userId');
  const fundingId = requireId(data.fundingId, 'fundingId');
  const cardId = requireId(data.cardId, 'cardId');
  requireOwnStream(state, userId);
  const amount = requireAmountWithin(data.amount, limits.funding, 'a top-up');
  requireCard(state, cardId);
  return [{ type: 'WalletFunded', data: { userId, fundingId, amount, source: { kind: 'card', cardId } } }];
};

const withdrawFunds = ({ data }: WithdrawFunds, state: WalletState, context: DecideContext): WalletEvent[] => {
  const { limits } = context;
  const userId = requireId(data.userId, 'userId');
  const withdrawalId = requireId(data.withdrawalId, 'withdrawalId');
  const cardId = requireId(data.cardId, 'cardId');
  requireOwnStream(state, userId);
  const amount = requireAmountWithin(data.amount, limits.withdrawal, 'a withdrawal');
  requireCard(state, cardId);
  requireFunds(state, amount);
  requireWithinDailyLimit(state, amount, context);
  return [{ type: 'WalletWithdrawn', data: { userId, withdrawalId, cardId, amount } }];
};

const transferFunds = ({ data }: TransferFunds, state: WalletState, context: DecideContext): WalletEvent[] => {
  const { limits } = context;
  const transferId = requireId(data.transferId, 'transferId');
  const fromUserId = requireId(data.fromUserId, 'fromUserId');
  const toUserId = requireId(data.toUserId, 'toUserId');
  const note = optionalText(data.note, 'note');
  requireOwnStream(state, fromUserId);
  if (fromUserId === toUserId) throw new SelfPayment('a transfer needs another user as payee');
  const amount = requireAmountWithin(data.amount, limits.transfer, 'a transfer');
  if (data.payeeExists !== true) throw new WalletNotFound(`${toUserId} has no wallet`);
  requireFunds(state, amount);
  requireWithinDailyLimit(state, amount, context);
  return [{ type: 'FundsTransferred', data: { transferId, fromUserId, toUserId, amount, ...(note !== undefined && { note }) } }];
};

/** Who a credit is for: it must be the owner of the stream it lands on. */
const beneficiary = (credit: WalletCredit): unknown => {
  switch (credit.type) {
    case 'TransferReceived':
      return credit.data.toUserId;
    case 'TipReceived':
      return credit.data.authorId;
    case 'RedPacketShareReceived':
      return credit.data.userId;
    case 'RedPacketRefunded':
      return credit.data.senderId;
    default:
      throw new InvalidCommand(`unknown credit ${(credit as { type?: unknown }).type as string}`);
  }
};

/** The credit's own fields only, so stray fields in the command never reach the stored event. */
const creditEvent = (credit: WalletCredit, amount: number): WalletCredit => {
  switch (credit.type) {
    case 'TransferReceived': {
      const { transferId, fromUserId, toUserId } = credit.data;
      return { type: credit.type, data: { transferId, fromUserId, toUserId, amount } };
    }
    case 'TipReceived': {
      const { tipId, readerId, authorId, articleId } = credit.data;
      return { type: credit.type, data: { tipId, readerId, authorId, articleId, amount } };
    }
    case 'RedPacketShareReceived': {
      const { redPacketId, senderId, userId } = credit.data;
      return { type: credit.type, data: { redPacketId, senderId, userId, amount } };
    }
    case 'RedPacketRefunded': {
      const { redPacketId, senderId } = credit.data;
      return { type: credit.type, data: { redPacketId, senderId, amount } };
    }
  }
};

/** Never rejected for business reasons: money already left another wallet or a packet and must land. */
const creditWallet = ({ data }: CreditWallet, state: WalletState): WalletEvent[] => {
  const userId = requireId(data.userId, 'userId');
  const { credit } = data;
  if (typeof credit !== 'object' || credit === null || typeof credit.data !== 'object' || credit.data === null) {
    throw new InvalidCommand('credit must be a credit event');
  }
  if (beneficiary(credit) !== userId) throw new InvalidCommand(`a ${credit.type} for someone else cannot land on the wallet of ${userId}`);
  requireOwnStream(state, userId);
  const amount = requirePayable(credit.data.amount, 'credit.data.amount');
  return [...(state.exists ? [] : [openedOnFirstUse(userId)]), creditEvent(credit, amount)];
};

export const decide = (command: WalletCommand, state: WalletState, context: DecideContext = DEFAULT_CONTEXT): WalletEvent[] => {
  switch (command.type) {
    case 'OpenWallet':
      return openWallet(command, state);
    case 'LinkBankCard':
      return linkBankCard(command, state, context);
    case 'FundWallet':
      return fundWallet(command, state, context);
    case 'WithdrawFunds':
      return withdrawFunds(command, state, context);
    case 'TransferFunds':
      return transferFunds(command, state, context);
    case 'CreditWallet':
      return creditWallet(command, state);
    case 'PraiseTip':
      return decidePraiseTip(command, state, context);
    case 'SendRedPacket':
      return decideSendRedPacket(command, state, context);
    default:
      throw new InvalidCommand(`unknown wallet command ${(command as { type?: unknown }).type as string}`);
  }
};

export const walletDecider: Decider<WalletCommand, WalletState, WalletEvent> = { initialState, evolve, decide };

