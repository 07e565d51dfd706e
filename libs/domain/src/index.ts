// Each feature's initialState/evolve/decide share names, so features are exported as namespaces
// (wallet.decide, redPacket.decide); deciders, commands and helpers are also exported by their own names.
export * from './errors';
export * from './decider';
export * as wallet from './wallet';
export * as tip from './tip';
export * as redPacket from './red-packet';
export { walletDecider, hasPersonalCard } from './wallet';
export type {
  BankCard,
  CreditWallet,
  FundWallet,
  LinkBankCard,
  OpenWallet,
  TransferFunds,
  WalletCommand,
  WalletCredit,
  WalletEvent,
  WalletState,
  WithdrawFunds,
} from './wallet';
export { tipDecider, tipAuthor, isEligibleAuthor } from './tip';
export type { PraiseTip, TipAuthor, TipCommand, TipEvent } from './tip';
export { redPacketDecider, drawShare, decideSendRedPacket, redPacketExpiresAt, RECIPIENTS_PER_MAX_SHARE } from './red-packet';
export type {
  ClaimRedPacket,
  EscrowRedPacket,
  ExpireRedPacket,
  NoRedPacket,
  RedPacket,
  RedPacketCommand,
  RedPacketEvent,
  RedPacketState,
  RedPacketStatus,
  SendRedPacket,
  Undrawn,
} from './red-packet';
export * from './audit/ledger-audit';
