import type { DomainEvent, Fen, WalletKind } from '@zan/contracts';
import type { Command } from '../decider';
import type { SendRedPacket } from '../red-packet/send-red-packet';
import type { PraiseTip } from '../tip/tip.decider';

export type OpenWallet = Command<'OpenWallet', { userId: string; kind: WalletKind }>;
export type LinkBankCard = Command<'LinkBankCard', { userId: string; cardId: string; personal: boolean }>;
export type FundWallet = Command<'FundWallet', { userId: string; fundingId: string; cardId: string; amount: Fen }>;
export type WithdrawFunds = Command<'WithdrawFunds', { userId: string; withdrawalId: string; cardId: string; amount: Fen }>;
/** Decided on the payer's stream; payeeExists is read by the handler from the payee's stream. */
export type TransferFunds = Command<
  'TransferFunds',
  { transferId: string; fromUserId: string; toUserId: string; amount: Fen; note?: string; payeeExists: boolean }
>;

/** The credit events, each caused by one debit, claim or expiry. */
export type WalletCredit = DomainEvent<'TransferReceived' | 'TipReceived' | 'RedPacketShareReceived' | 'RedPacketRefunded'>;
/** Made by process managers. Idempotency comes from the event id they assign, not from the decider. */
export type CreditWallet = Command<'CreditWallet', { userId: string; credit: WalletCredit }>;

/** Every command decided on a `wallet-<userId>` stream, including the tip and red packet debits. */
export type WalletCommand = OpenWallet | LinkBankCard | FundWallet | WithdrawFunds | TransferFunds | CreditWallet | PraiseTip | SendRedPacket;
