export {
  initialState,
  evolve,
  hasPersonalCard,
  isPersonalHolder,
  verificationStatus,
  type BankCard,
  type Verification,
  type VerificationStatus,
  type WalletEvent,
  type WalletState,
} from './wallet.state';
export { tierOf, requireWithinLimits } from './limits';
export { decide, walletDecider, type WalletCommand } from './wallet.decider';
export { decideOpenWallet, type OpenWallet } from './open-wallet';
export { decideLinkBankCard, type LinkBankCard } from './link-bank-card';
export { decideRequestVerification, type RequestVerification } from './request-verification';
export { decideRecordVerification, type RecordVerification } from './record-verification';
export { decideFundWallet, type FundWallet } from './fund-wallet';
export { decideWithdrawFunds, type WithdrawFunds } from './withdraw-funds';
export { decideTransferFunds, type TransferFunds } from './transfer-funds';
export { decidePraiseTip, isEligibleAuthor, TIP_AUTHOR_UNCHANGED_BY, tipAuthor, type PraiseTip, type TipAuthor } from './praise-tip';
export { decideSendRedPacket, redPacketExpiresAt, RECIPIENTS_PER_MAX_SHARE, type SendRedPacket } from './send-red-packet';
export { decideCreditWallet, type CreditWallet, type WalletCredit } from './credit-wallet';
export { isMerchant, assertMerchant } from './merchant';
export { decidePayOrder, type PayOrder } from './pay-order';
export { decideHoldGroupBuyFunds, type HoldGroupBuyFunds } from './hold-group-buy-funds';
export { decideDeclineOrderPayment, type DeclineOrderPayment } from './decline-order-payment';
export { decidePayRefund, type PayRefund } from './pay-refund';
export { decideDeclineRefund, type DeclineRefund } from './decline-refund';
export { decidePayMerchant, type CodeToPay, type PayMerchant } from './pay-merchant';
