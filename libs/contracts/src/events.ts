import type { Fen } from './money';

/**
 * Zan's events, current versions. Each type belongs to the category of the stream that holds it; the
 * relay publishes every event of a stream to the topic `<prefix>.<stream category>` keyed by its
 * stream id, so a stream's events stay whole and in revision order on one partition.
 *
 * Streams: `wallet-<userId>` holds every movement of a wallet's money (debits are decided there with
 * optimistic concurrency; credits are appended there by process managers). `red-packet-<id>` holds a
 * packet's escrow, claims and expiry. `article-<articleId>` holds an article's publication and its likes.
 * `product-<productId>` holds a product's listing, price, stock and the stock each order takes;
 * `order-<orderId>` holds a paid order, its refunds and its rating (docs/commerce.md tells the saga).
 * `payment-code-<codeId>` holds a merchant's payment code and, for a dynamic code, its one redemption.
 */
export type WalletKind = 'individual' | 'business';
export type RedPacketMode = 'lucky' | 'equal';

export interface WalletOpened {
  userId: string;
  kind: WalletKind;
}
/**
 * `personal`: whether the card counted as personal when linked (v1: as the client declared it; since
 * v1.1 decided from the verification). The holder is never in clear: a masked name and a keyed hash.
 */
export interface BankCardLinked {
  userId: string;
  cardId: string;
  personal: boolean;
  holderName?: string;
  holderNameHash?: string;
}
export type VerificationKind = 'individual' | 'business';
/** Who decided a verification: the provider (at once or by its signed callback), or an admin. */
export type VerificationDecider = 'provider' | 'admin';
/**
 * A wallet asked to be verified. Personal data never in clear: `maskedName` (first character, then
 * `*` per remaining one), `nameHash` and `numberHash` (HMAC-SHA256 under the install's hash key). The
 * clear values live in the personal data vault, encrypted under the user's key.
 */
export interface VerificationRequested {
  userId: string;
  verificationId: string;
  kind: VerificationKind;
  maskedName: string;
  nameHash: string;
  numberHash: string;
}
export interface WalletVerified {
  userId: string;
  verificationId?: string;
  decidedBy: VerificationDecider;
  reason?: string;
}
export interface VerificationRejected {
  userId: string;
  verificationId?: string;
  decidedBy: VerificationDecider;
  reason?: string;
}
/** Where a funding's money came from. Only linked bank cards today; other rails become new kinds. */
export type FundingSource = { kind: 'card'; cardId: string };
/** v2: the card moved into `source` (v1 had a top-level `cardId`; see WalletFundedV1 and upcasters.ts). */
export interface WalletFunded {
  userId: string;
  fundingId: string;
  amount: Fen;
  source: FundingSource;
}
/** The v1 payload, still stored in old events and upcast on read. */
export interface WalletFundedV1 {
  userId: string;
  fundingId: string;
  cardId: string;
  amount: Fen;
}
export interface WalletWithdrawn {
  userId: string;
  withdrawalId: string;
  cardId: string;
  amount: Fen;
}
/** Debit on the payer's wallet. */
export interface FundsTransferred {
  transferId: string;
  fromUserId: string;
  toUserId: string;
  amount: Fen;
  note?: string;
}
/** Credit on the payee's wallet, caused by FundsTransferred. */
export interface TransferReceived {
  transferId: string;
  fromUserId: string;
  toUserId: string;
  amount: Fen;
}
/** Debit on the reader's wallet. */
export interface TipPraised {
  tipId: string;
  readerId: string;
  authorId: string;
  articleId: string;
  amount: Fen;
  message?: string;
}
/** Credit on the author's wallet, caused by TipPraised. */
export interface TipReceived {
  tipId: string;
  readerId: string;
  authorId: string;
  articleId: string;
  amount: Fen;
}
/** Debit on the sender's wallet: the whole amount leaves the wallet for the packet's escrow. */
export interface RedPacketSent {
  redPacketId: string;
  senderId: string;
  amount: Fen;
  shares: number;
  mode: RedPacketMode;
  greeting?: string;
  recipients?: string[];
  expiresAt: string;
}
/** First event of a packet stream: the money sent is now held by the packet. Caused by RedPacketSent. */
export type RedPacketEscrowed = RedPacketSent;
/** On the packet stream. The amount was decided when claimed and is never drawn again. */
export interface RedPacketClaimed {
  redPacketId: string;
  senderId: string;
  userId: string;
  amount: Fen;
  remainingAmount: Fen;
  remainingShares: number;
}
/** On the packet stream: what was left goes back to the sender. */
export interface RedPacketExpired {
  redPacketId: string;
  senderId: string;
  amount: Fen;
  remainingShares: number;
}
/** Credit on the claimer's wallet, caused by RedPacketClaimed. */
export interface RedPacketShareReceived {
  redPacketId: string;
  senderId: string;
  userId: string;
  amount: Fen;
}
/** Credit on the sender's wallet, caused by RedPacketExpired. */
export interface RedPacketRefunded {
  redPacketId: string;
  senderId: string;
  amount: Fen;
}
/** First event of `article-<articleId>`: the caller published the article and is its author for good. */
export interface ArticlePublished {
  articleId: string;
  authorId: string;
  title: string;
}
/** On the article stream: a reader liked it (once per reader until they unlike it). */
export interface ArticleLiked {
  articleId: string;
  authorId: string;
  userId: string;
}
/** On the article stream: a reader took their like back. */
export interface ArticleUnliked {
  articleId: string;
  authorId: string;
  userId: string;
}
/**
 * First event of `payment-code-<codeId>`: a merchant issued a payment code. `codeId` is the SHA-256 of
 * the code (hex, 64 digits): the code itself, which pays, never enters the log or Kafka. Without
 * `amount` a static code (the payer enters the amount, no expiry); with it a dynamic code (single use,
 * until `expiresAt`).
 */
export interface PaymentCodeIssued {
  codeId: string;
  merchantId: string;
  amount?: Fen;
  expiresAt?: string;
  reference?: string;
}
/** On the code stream: the one payment a dynamic code takes. Caused by that payment's MerchantPaid. */
export interface PaymentCodeRedeemed {
  codeId: string;
  merchantId: string;
  paymentId: string;
  payerId: string;
  amount: Fen;
}
/** Debit on the payer's wallet: a payment by code (`dynamic`: the code's fixed amount, single use). */
export interface MerchantPaid {
  paymentId: string;
  payerId: string;
  merchantId: string;
  codeId: string;
  amount: Fen;
  dynamic: boolean;
  reference?: string;
}
/** Credit on the merchant's wallet, caused by MerchantPaid (for a dynamic code, once it is redeemed). */
export interface MerchantPaymentReceived {
  paymentId: string;
  payerId: string;
  merchantId: string;
  amount: Fen;
  reference?: string;
}
/**
 * Credit on the payer's wallet, caused by MerchantPaid, when the dynamic code it paid was taken by
 * another payment meanwhile (a race lost): the money goes back, the payer's answer was 410.
 */
export interface MerchantPaymentReturned {
  paymentId: string;
  payerId: string;
  merchantId: string;
  amount: Fen;
  reason: 'code-used' | 'code-expired';
}

/** First event of `product-<productId>`: a merchant listed a product. `stock` null: unlimited. */
export interface ProductListed {
  productId: string;
  merchantId: string;
  /** The merchant's company name (a business's registered name, never an individual's). */
  merchantName: string;
  title: string;
  price: Fen;
  stock: number | null;
  description?: string;
}
export interface ProductRepriced {
  productId: string;
  merchantId: string;
  price: Fen;
  previousPrice: Fen;
}
/** The stock left is set to `stock` (null: unlimited). */
export interface ProductRestocked {
  productId: string;
  merchantId: string;
  stock: number | null;
}
export interface ProductDelisted {
  productId: string;
  merchantId: string;
}
/** On the product stream: an order took `quantity` units at `unitPrice` (first step of the order saga). */
export interface ProductStockReserved {
  productId: string;
  merchantId: string;
  orderId: string;
  buyerId: string;
  quantity: number;
  unitPrice: Fen;
  amount: Fen;
  /** Units left after this order; null: unlimited. */
  stockLeft: number | null;
}
/** On the product stream: an order's units go back (its payment was declined). */
export interface ProductStockReleased {
  productId: string;
  merchantId: string;
  orderId: string;
  quantity: number;
  reason: string;
}
/** Debit on the buyer's wallet: the order is paid (its stock was reserved before). Caused by ProductStockReserved. */
export interface OrderPlaced {
  orderId: string;
  productId: string;
  merchantId: string;
  buyerId: string;
  quantity: number;
  unitPrice: Fen;
  amount: Fen;
}
/** On the buyer's wallet, no money moves: the order could not be paid; its stock is released. */
export interface OrderPaymentDeclined {
  orderId: string;
  productId: string;
  merchantId: string;
  buyerId: string;
  quantity: number;
  amount: Fen;
  reason: string;
}
/** Credit on the merchant's wallet, caused by OrderPlaced. */
export interface OrderPaymentReceived {
  orderId: string;
  productId: string;
  merchantId: string;
  buyerId: string;
  amount: Fen;
}
/** First event of `order-<orderId>`: a copy of the paid order (caused by OrderPlaced). */
export type OrderOpened = OrderPlaced;
/** On the order stream: a refund is asked for and its amount reserved against what was paid. */
export interface OrderRefundRequested {
  orderId: string;
  refundId: string;
  merchantId: string;
  buyerId: string;
  amount: Fen;
  /** Who asked: the merchant or an admin. */
  requestedBy: string;
  reason?: string;
}
/** On the order stream: a requested refund the merchant's wallet could not cover; its amount is free again. */
export interface OrderRefundReleased {
  orderId: string;
  refundId: string;
  amount: Fen;
  reason: string;
}
/** Debit on the merchant's wallet: the refund is paid out. Caused by OrderRefundRequested. */
export interface OrderRefunded {
  orderId: string;
  refundId: string;
  merchantId: string;
  buyerId: string;
  amount: Fen;
  reason?: string;
}
/** On the merchant's wallet, no money moves: the refund could not be covered. */
export interface OrderRefundDeclined {
  orderId: string;
  refundId: string;
  merchantId: string;
  buyerId: string;
  amount: Fen;
  reason: string;
}
/** Credit on the buyer's wallet, caused by OrderRefunded. */
export interface OrderRefundReceived {
  orderId: string;
  refundId: string;
  merchantId: string;
  buyerId: string;
  amount: Fen;
}
/** On the order stream: the buyer rated the order (once). */
export interface OrderRated {
  orderId: string;
  productId: string;
  merchantId: string;
  buyerId: string;
  stars: number;
}

/** A member of a group buy: who joined, with which hold of their money (docs/commerce.md, "Group buys"). */
export interface GroupBuyMember {
  buyerId: string;
  /** The member's join; the order id of their order once the group completes. */
  joinId: string;
  amount: Fen;
  /** The event id of the GroupBuyFundsHeld that holds the money: what the money's return or payment is caused by. */
  holdId: string;
}
/** First event of `group-buy-<groupBuyId>`: a merchant opened a group deal on one of its products. */
export interface GroupBuyOpened {
  groupBuyId: string;
  productId: string;
  merchantId: string;
  groupPrice: Fen;
  groupSize: number;
  expiresAt: string;
}
/** Debit on the buyer's wallet: the group price is held for the group buy (the money leaves the balance). */
export interface GroupBuyFundsHeld {
  groupBuyId: string;
  joinId: string;
  productId: string;
  merchantId: string;
  buyerId: string;
  amount: Fen;
}
/** On the group stream: a held buyer became a member (`members` counts them, this one included). Caused by GroupBuyFundsHeld. */
export interface GroupBuyJoined extends GroupBuyMember {
  groupBuyId: string;
  members: number;
}
/** On the group stream, at the join's id: the hold could not join (full, closed, joined already); its money returns. */
export interface GroupBuyJoinRefused extends GroupBuyMember {
  groupBuyId: string;
  reason: string;
}
/** On the group stream: the group filled; one order per member (orderId = joinId), each paid to the merchant. */
export interface GroupBuyCompleted {
  groupBuyId: string;
  productId: string;
  merchantId: string;
  members: GroupBuyMember[];
}
/** On the group stream: the deadline passed unfilled; every member's held money returns. */
export interface GroupBuyFailed {
  groupBuyId: string;
  productId: string;
  merchantId: string;
  members: GroupBuyMember[];
}
/** Credit on the buyer's wallet: a hold given back (the group failed, or the join was refused). Caused by GroupBuyFundsHeld's id. */
export interface GroupBuyFundsReturned {
  groupBuyId: string;
  joinId: string;
  buyerId: string;
  amount: Fen;
  reason: 'failed' | 'refused';
}
/** Credit on the merchant's wallet: one member's order of a completed group. Caused by GroupBuyFundsHeld's id. */
export interface GroupBuyPaymentReceived {
  groupBuyId: string;
  orderId: string;
  productId: string;
  merchantId: string;
  buyerId: string;
  amount: Fen;
}

export interface EventDataByType {
  WalletOpened: WalletOpened;
  BankCardLinked: BankCardLinked;
  VerificationRequested: VerificationRequested;
  WalletVerified: WalletVerified;
  VerificationRejected: VerificationRejected;
  WalletFunded: WalletFunded;
  WalletWithdrawn: WalletWithdrawn;
  FundsTransferred: FundsTransferred;
  TransferReceived: TransferReceived;
  TipPraised: TipPraised;
  TipReceived: TipReceived;
  RedPacketSent: RedPacketSent;
  RedPacketEscrowed: RedPacketEscrowed;
  RedPacketClaimed: RedPacketClaimed;
  RedPacketExpired: RedPacketExpired;
  RedPacketShareReceived: RedPacketShareReceived;
  RedPacketRefunded: RedPacketRefunded;
  ArticlePublished: ArticlePublished;
  ArticleLiked: ArticleLiked;
  ArticleUnliked: ArticleUnliked;
  ProductListed: ProductListed;
  ProductRepriced: ProductRepriced;
  ProductRestocked: ProductRestocked;
  ProductDelisted: ProductDelisted;
  ProductStockReserved: ProductStockReserved;
  ProductStockReleased: ProductStockReleased;
  OrderPlaced: OrderPlaced;
  OrderPaymentDeclined: OrderPaymentDeclined;
  OrderPaymentReceived: OrderPaymentReceived;
  OrderOpened: OrderOpened;
  OrderRefundRequested: OrderRefundRequested;
  OrderRefundReleased: OrderRefundReleased;
  OrderRefunded: OrderRefunded;
  OrderRefundDeclined: OrderRefundDeclined;
  OrderRefundReceived: OrderRefundReceived;
  OrderRated: OrderRated;
  PaymentCodeIssued: PaymentCodeIssued;
  PaymentCodeRedeemed: PaymentCodeRedeemed;
  MerchantPaid: MerchantPaid;
  MerchantPaymentReceived: MerchantPaymentReceived;
  MerchantPaymentReturned: MerchantPaymentReturned;
  GroupBuyOpened: GroupBuyOpened;
  GroupBuyFundsHeld: GroupBuyFundsHeld;
  GroupBuyJoined: GroupBuyJoined;
  GroupBuyJoinRefused: GroupBuyJoinRefused;
  GroupBuyCompleted: GroupBuyCompleted;
  GroupBuyFailed: GroupBuyFailed;
  GroupBuyFundsReturned: GroupBuyFundsReturned;
  GroupBuyPaymentReceived: GroupBuyPaymentReceived;
}
export type ZanEventType = keyof EventDataByType;

/** An event as a decider returns it: type and data only. Envelopes are added by the command path. */
export type DomainEvent<T extends ZanEventType = ZanEventType> = T extends ZanEventType ? { type: T; data: EventDataByType[T] } : never;

export const EVENT_CATALOG: Record<ZanEventType, { category: string; version: number }> = {
  WalletOpened: { category: 'wallet', version: 1 },
  BankCardLinked: { category: 'wallet', version: 1 },
  VerificationRequested: { category: 'wallet', version: 1 },
  WalletVerified: { category: 'wallet', version: 1 },
  VerificationRejected: { category: 'wallet', version: 1 },
  WalletFunded: { category: 'wallet', version: 2 },
  WalletWithdrawn: { category: 'wallet', version: 1 },
  FundsTransferred: { category: 'wallet', version: 1 },
  TransferReceived: { category: 'wallet', version: 1 },
  TipPraised: { category: 'wallet', version: 1 },
  TipReceived: { category: 'wallet', version: 1 },
  RedPacketSent: { category: 'wallet', version: 1 },
  RedPacketEscrowed: { category: 'red-packet', version: 1 },
  RedPacketClaimed: { category: 'red-packet', version: 1 },
  RedPacketExpired: { category: 'red-packet', version: 1 },
  RedPacketShareReceived: { category: 'wallet', version: 1 },
  RedPacketRefunded: { category: 'wallet', version: 1 },
  ArticlePublished: { category: 'article', version: 1 },
  ArticleLiked: { category: 'article', version: 1 },
  ArticleUnliked: { category: 'article', version: 1 },
  ProductListed: { category: 'product', version: 1 },
  ProductRepriced: { category: 'product', version: 1 },
  ProductRestocked: { category: 'product', version: 1 },
  ProductDelisted: { category: 'product', version: 1 },
  ProductStockReserved: { category: 'product', version: 1 },
  ProductStockReleased: { category: 'product', version: 1 },
  OrderPlaced: { category: 'wallet', version: 1 },
  OrderPaymentDeclined: { category: 'wallet', version: 1 },
  OrderPaymentReceived: { category: 'wallet', version: 1 },
  OrderOpened: { category: 'order', version: 1 },
  OrderRefundRequested: { category: 'order', version: 1 },
  OrderRefundReleased: { category: 'order', version: 1 },
  OrderRefunded: { category: 'wallet', version: 1 },
  OrderRefundDeclined: { category: 'wallet', version: 1 },
  OrderRefundReceived: { category: 'wallet', version: 1 },
  OrderRated: { category: 'order', version: 1 },
  PaymentCodeIssued: { category: 'payment-code', version: 1 },
  PaymentCodeRedeemed: { category: 'payment-code', version: 1 },
  MerchantPaid: { category: 'wallet', version: 1 },
  MerchantPaymentReceived: { category: 'wallet', version: 1 },
  MerchantPaymentReturned: { category: 'wallet', version: 1 },
  GroupBuyOpened: { category: 'group-buy', version: 1 },
  GroupBuyFundsHeld: { category: 'wallet', version: 1 },
  GroupBuyJoined: { category: 'group-buy', version: 1 },
  GroupBuyJoinRefused: { category: 'group-buy', version: 1 },
  GroupBuyCompleted: { category: 'group-buy', version: 1 },
  GroupBuyFailed: { category: 'group-buy', version: 1 },
  GroupBuyFundsReturned: { category: 'wallet', version: 1 },
  GroupBuyPaymentReceived: { category: 'wallet', version: 1 },
};

export const EVENT_TYPES = Object.keys(EVENT_CATALOG) as ZanEventType[];
export const EVENT_CATEGORIES = [...new Set(Object.values(EVENT_CATALOG).map((e) => e.category))];

export const isZanEventType = (type: string): type is ZanEventType => Object.prototype.hasOwnProperty.call(EVENT_CATALOG, type);

/** The category of the stream that holds an event type; unknown types fall back to `fallback`. */
export const eventCategory = (type: string, fallback: string): string => (isZanEventType(type) ? EVENT_CATALOG[type].category : fallback);

/**
 * Signed change an event makes to the balance of the wallet whose stream holds it.
 * One definition, used by the wallet decider, the read models and the audit.
 */
export const walletBalanceDelta = (event: { type: string; data: unknown }): number => {
  const data = event.data as { amount?: number };
  switch (event.type) {
    case 'WalletFunded':
    case 'TransferReceived':
    case 'TipReceived':
    case 'RedPacketShareReceived':
    case 'RedPacketRefunded':
    case 'OrderPaymentReceived':
    case 'OrderRefundReceived':
    case 'MerchantPaymentReceived':
    case 'MerchantPaymentReturned':
    case 'GroupBuyFundsReturned':
    case 'GroupBuyPaymentReceived':
      return data.amount ?? 0;
    case 'WalletWithdrawn':
    case 'FundsTransferred':
    case 'TipPraised':
    case 'RedPacketSent':
    case 'OrderPlaced':
    case 'OrderRefunded':
    case 'MerchantPaid':
    case 'GroupBuyFundsHeld':
      return -(data.amount ?? 0);
    default:
      return 0;
  }
};
