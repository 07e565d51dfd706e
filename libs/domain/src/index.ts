// A folder per stream type: each exports initialState/evolve/decide under the same names, so streams
// are exported as namespaces (wallet.decide, redPacket.decide); deciders, commands and helpers are
// also exported by their own names.
export * from './errors';
export * from './decider';
export * as wallet from './wallet';
export * as redPacket from './red-packet';
export * as article from './article';
export * as product from './product';
export * as order from './order';
export * as paymentCode from './payment-code';
export * as groupBuy from './group-buy';
export {
  walletDecider,
  hasPersonalCard,
  verificationStatus,
  tierOf,
  tipAuthor,
  isEligibleAuthor,
  TIP_AUTHOR_UNCHANGED_BY,
  decideSendRedPacket,
  redPacketExpiresAt,
  RECIPIENTS_PER_MAX_SHARE,
} from './wallet';
export type {
  BankCard,
  CodeToPay,
  CreditWallet,
  PayMerchant,
  FundWallet,
  HoldGroupBuyFunds,
  LinkBankCard,
  OpenWallet,
  PraiseTip,
  RecordVerification,
  RequestVerification,
  SendRedPacket,
  TipAuthor,
  TransferFunds,
  VerificationStatus,
  WalletCommand,
  WalletCredit,
  WalletEvent,
  WalletState,
  WithdrawFunds,
} from './wallet';
export { redPacketDecider, drawShare } from './red-packet';
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
  Undrawn,
} from './red-packet';
export { articleDecider, ArticleIdTaken, ArticleNotFound, NotTheArticleAuthor, isPublished, requireTippableArticle } from './article';
export type { Article, ArticleCommand, ArticleEvent, ArticleState, LikeArticle, PublishArticle, UnlikeArticle } from './article';
export { isMerchant, assertMerchant } from './wallet';
export {
  productDecider,
  decideReserveGroupStock,
  isListed,
  MAX_ORDER_QUANTITY,
  MAX_STOCK,
  isStock,
  NotTheProductMerchant,
  PriceChanged,
  ProductGone,
  ProductIdTaken,
  ProductNotFound,
  SoldOut,
} from './product';
export type { Product, ProductCommand, ProductEvent, ProductState, ReserveGroupStock, ReserveStock } from './product';
export { orderDecider, AlreadyRated, NotYourOrder, OrderNotFound, RefundExceedsPayment } from './order';
export type { Order, OrderCommand, OrderEvent, OrderState } from './order';
export {
  groupBuyDecider,
  joinRefusal,
  AlreadyJoined,
  GroupBuyClosed,
  GroupBuyFull,
  GroupBuyIdTaken,
  GroupBuyNotFound,
  GroupBuyProductDelisted,
  MAX_GROUP_SIZE,
  MIN_GROUP_SIZE,
} from './group-buy';
export type { GroupBuy, GroupBuyCommand, GroupBuyEvent, GroupBuyState } from './group-buy';
export * from './audit/ledger-audit';
export { paymentCodeDecider, isDynamic, isExpired, PAYMENT_CODE_TTL } from './payment-code';
export type { IssuePaymentCode, PaymentCodeCommand, PaymentCodeEvent, PaymentCodeState, RedeemPaymentCode } from './payment-code';
