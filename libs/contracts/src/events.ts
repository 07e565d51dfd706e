import type {
  PaymentCodeIssued,
  PaymentCodeRedeemed,
  MerchantPaid,
  MerchantPaymentReceived,
  MerchantPaymentReturned,
  ProductListed,
  ProductRepriced,
  ProductRestocked,
  ProductDelisted,
  ProductStockReserved,
  ProductStockReleased,
  ProductGroupStockReserved,
  ProductGroupStockReleased,
  OrderPlaced,
  OrderPaymentDeclined,
  OrderPaymentReceived,
  OrderOpened,
  OrderRefundRequested,
  OrderRefundReleased,
  OrderRefunded,
  OrderRefundDeclined,
  OrderRefundReceived,
  OrderRated,
  GroupBuyOpened,
  GroupBuyFundsHeld,
  GroupBuyJoined,
  GroupBuyJoinRefused,
  GroupBuyCompleted,
  GroupBuyFailed,
  GroupBuyFundsReturned,
  GroupBuyPaymentReceived,
} from './commerce-events';

export type * from './commerce-events';
import type { WebhookEndpointDisabled } from './webhook-events';

export type * from './webhook-events';
import type {
  WalletOpened,
  BankCardLinked,
  VerificationRequested,
  WalletVerified,
  VerificationRejected,
  WalletFunded,
  WalletWithdrawn,
  FundsTransferred,
  TransferReceived,
  TipPraised,
  TipReceived,
  RedPacketSent,
  RedPacketEscrowed,
  RedPacketClaimed,
  RedPacketExpired,
  RedPacketShareReceived,
  RedPacketRefunded,
  ArticlePublished,
  ArticleLiked,
  ArticleUnliked,
} from './wallet-events';

export type * from './wallet-events';

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
 * `webhook-endpoint-<endpointId>` holds what the webhook sender did to an endpoint on its own (disabled it).
 */
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
  ProductGroupStockReserved: ProductGroupStockReserved;
  ProductGroupStockReleased: ProductGroupStockReleased;
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
  WebhookEndpointDisabled: WebhookEndpointDisabled;
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
  ProductListed: { category: 'product', version: 2 },
  ProductRepriced: { category: 'product', version: 1 },
  ProductRestocked: { category: 'product', version: 1 },
  ProductDelisted: { category: 'product', version: 1 },
  ProductStockReserved: { category: 'product', version: 1 },
  ProductStockReleased: { category: 'product', version: 1 },
  ProductGroupStockReserved: { category: 'product', version: 1 },
  ProductGroupStockReleased: { category: 'product', version: 1 },
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
  WebhookEndpointDisabled: { category: 'webhook-endpoint', version: 1 },
};

export const EVENT_TYPES = Object.keys(EVENT_CATALOG) as ZanEventType[];
export const EVENT_CATEGORIES = [...new Set(Object.values(EVENT_CATALOG).map((e) => e.category))];

export const isZanEventType = (type: string): type is ZanEventType => Object.prototype.hasOwnProperty.call(EVENT_CATALOG, type);

/** The category of the stream that holds an event type; unknown types fall back to `fallback`. */
export const eventCategory = (type: string, fallback: string): string => (isZanEventType(type) ? EVENT_CATALOG[type].category : fallback);

/**
 * An event of a type, or a version of it, this Zan does not know (a newer Zan wrote it): no reader
 * here can tell what it does to money. A reader that decides or counts refuses it with this error
 * rather than pass it as nothing moved.
 */
export class UnknownEventType extends Error {
  override readonly name = 'UnknownEventType';
}

/** Whether this Zan knows the event's type and version (an older version is upcast on read). */
export const isKnownEvent = (event: { type: string; version: number }): boolean =>
  isZanEventType(event.type) && event.version <= EVENT_CATALOG[event.type].version;

/**
 * A stored event whose data breaks its schema where a reader depends on it (a money event without a
 * whole, non-negative number of fen). Readers that decide or count stop on it with this error rather
 * than guess: the wallet decider refuses to decide, the projector dead-letters it; the audits report it.
 */
export class CorruptEvent extends Error {
  override readonly name = 'CorruptEvent';
}

/**
 * Signed change an event makes to the balance of the wallet whose stream holds it.
 * One definition, used by the wallet decider, the read models and the audit. A money event whose
 * amount is not a safe integer >= 0 throws CorruptEvent: counted as 0, as its negation or as text
 * ("500" + a balance is a string, which then compares as a larger number), it would make or hide money.
 */
export const walletBalanceDelta = (event: { id?: string; type: string; data: unknown }): number => {
  const sign = DELTA_SIGN[event.type];
  if (sign === undefined) return 0;
  const amount = (event.data as { amount?: unknown } | null)?.amount;
  if (typeof amount !== 'number' || !Number.isSafeInteger(amount) || amount < 0) {
    throw new CorruptEvent(`${event.type}${event.id ? ` ${event.id}` : ''} moves ${JSON.stringify(amount) ?? 'no amount'}, not a whole number of fen`);
  }
  return sign * amount;
};

/** +1 for the credits of a wallet, -1 for its debits; other events move none of its money. */
const DELTA_SIGN: Readonly<Record<string, 1 | -1 | undefined>> = Object.assign(Object.create(null) as Record<string, 1 | -1>, {
  WalletFunded: 1,
  TransferReceived: 1,
  TipReceived: 1,
  RedPacketShareReceived: 1,
  RedPacketRefunded: 1,
  OrderPaymentReceived: 1,
  OrderRefundReceived: 1,
  MerchantPaymentReceived: 1,
  MerchantPaymentReturned: 1,
  GroupBuyFundsReturned: 1,
  GroupBuyPaymentReceived: 1,
  WalletWithdrawn: -1,
  FundsTransferred: -1,
  TipPraised: -1,
  RedPacketSent: -1,
  OrderPlaced: -1,
  OrderRefunded: -1,
  MerchantPaid: -1,
  GroupBuyFundsHeld: -1,
});
