export {
  initialState,
  evolve,
  hasPersonalCard,
  type BankCard,
  type WalletEvent,
  type WalletState,
} from './wallet.state';
export { decide, walletDecider, type WalletCommand } from './wallet.decider';
export { decideOpenWallet, type OpenWallet } from './open-wallet';
export { decideLinkBankCard, type LinkBankCard } from './link-bank-card';
export { decideFundWallet, type FundWallet } from './fund-wallet';
export { decideWithdrawFunds, type WithdrawFunds } from './withdraw-funds';
export { decideTransferFunds, type TransferFunds } from './transfer-funds';
export { decidePraiseTip, isEligibleAuthor, tipAuthor, type PraiseTip, type TipAuthor } from './praise-tip';
export { decideSendRedPacket, redPacketExpiresAt, RECIPIENTS_PER_MAX_SHARE, type SendRedPacket } from './send-red-packet';
export { decideCreditWallet, type CreditWallet, type WalletCredit } from './credit-wallet';
