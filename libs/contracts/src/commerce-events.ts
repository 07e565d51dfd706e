import type { Fen } from './money';

/**
 * Commerce's events (CONTRACT v1.1, "Commerce" and "Group buying"): payment codes, products, orders
 * and refunds, group buys. Part of EventDataByType (events.ts), kept apart so each file reads as one
 * subject; docs/commerce.md tells the sagas.
 */
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

/**
 * First event of `product-<productId>`: a merchant listed a product. `stock` null: unlimited.
 * v2: `merchantName` is masked (personal data never enters the event log in clear); v1 carried the
 * company name in clear and is masked on read (upcasters.ts).
 */
export interface ProductListed {
  productId: string;
  merchantId: string;
  /** The merchant's company name masked (赞咖啡有限公司 → 赞******), or its id when no verified name was kept. */
  merchantName: string;
  title: string;
  price: Fen;
  stock: number | null;
  description?: string;
}
/** v1 of ProductListed: the same fields, `merchantName` the company name in clear. */
export type ProductListedV1 = ProductListed;

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
/** On the product stream: a group deal took its `quantity` (the group's size) units when it opened. */
export interface ProductGroupStockReserved {
  productId: string;
  merchantId: string;
  groupBuyId: string;
  quantity: number;
  /** Units left after the deal took its own; null: unlimited. */
  stockLeft: number | null;
}
/** On the product stream: a failed group deal's units go back. */
export interface ProductGroupStockReleased {
  productId: string;
  merchantId: string;
  groupBuyId: string;
  quantity: number;
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
/** First event of `order-<orderId>`: a copy of the paid order (caused by OrderPlaced, or for a completed group buy's member by its GroupBuyFundsHeld). */
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
  /** The event id of the GroupBuyFundsHeld that holds the money: the money's payment or return derives its ids from it (made once). */
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
