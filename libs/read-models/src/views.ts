import type { CURRENCY, Fen, RedPacketMode, WalletKind } from '@zan/contracts';

/** The answers of CONTRACT.md, "Queries over HTTP". Amounts are integer fen. */
export type VerificationStatus = 'none' | 'pending' | 'verified' | 'rejected';

export interface WalletView {
  userId: string;
  kind: WalletKind;
  balance: Fen;
  currency: typeof CURRENCY;
  verification: VerificationStatus;
}

export interface ArticleEarnings {
  total: Fen;
  tips: number;
}

export interface EarningsView {
  authorId: string;
  total: Fen;
  tips: number;
  byArticle: Record<string, ArticleEarnings>;
}

export interface LeaderboardEntry {
  authorId: string;
  total: Fen;
  tips: number;
}

export type RedPacketStatus = 'open' | 'exhausted' | 'expired';

export interface RedPacketClaimView {
  userId: string;
  amount: Fen;
}

export interface RedPacketView {
  redPacketId: string;
  senderId: string;
  amount: Fen;
  shares: number;
  /** In claim order. */
  claimed: RedPacketClaimView[];
  /** amount - claimed - refunded: what the packet still holds. */
  remaining: Fen;
  status: RedPacketStatus;
  expiresAt: string;
  mode: RedPacketMode;
  greeting?: string;
}

export type FeedItemType =
  | 'funding'
  | 'withdrawal'
  | 'transfer-sent'
  | 'transfer-received'
  | 'tip-sent'
  | 'tip-received'
  | 'red-packet-sent'
  | 'red-packet-claimed'
  | 'red-packet-refunded'
  | 'order-paid'
  | 'order-received'
  | 'refund-paid'
  | 'refund-received'
  | 'merchant-payment-sent'
  | 'merchant-payment-received'
  | 'merchant-payment-returned'
  | 'group-buy-held'
  | 'group-buy-returned'
  | 'group-buy-order-received';

export interface FeedItem {
  type: FeedItemType;
  /** occurredAt of the event. */
  at: string;
  /** Always positive; `type` tells the direction. */
  amount: Fen;
  /** The other user, or null when there is none (a bank card, many recipients, the packet itself). */
  counterpartyId: string | null;
  /** The funding, withdrawal, transfer, tip, red packet, order or payment id. */
  refId: string;
}

export interface FeedQuery {
  limit: number;
  /** A nextCursor from an earlier page. */
  before?: string;
}

export interface FeedPage {
  items: FeedItem[];
  /** Present when older items may follow. */
  nextCursor?: string;
}

export interface ArticleView {
  articleId: string;
  authorId: string;
  title: string;
  /** Likes standing now (a reader's like counts once; an unlike takes it back). */
  likes: number;
  /** Tips to this article and their sum, in fen. */
  tips: number;
  total: Fen;
  /** Whether the reader asking likes it now. */
  likedByMe: boolean;
}

/** Someone who praised an article: a like (amount 0) or a tip (its amount). */
export interface Praiser {
  userId: string;
  /** occurredAt of the like or the tip. */
  at: string;
  amount: Fen;
}

export interface PraisersPage {
  items: Praiser[];
  /** Present when older items may follow; pass it as `before`. */
  nextCursor?: string;
}

export interface RatingView {
  /** Mean stars, 0 when unrated. */
  average: number;
  count: number;
}

/** The product card (CONTRACT v1.1, Commerce). `stock` null: unlimited. */
export interface ProductView {
  productId: string;
  merchantId: string;
  merchantName: string;
  title: string;
  description?: string;
  price: Fen;
  stock: number | null;
  sold: number;
  status: 'listed' | 'delisted';
  rating: RatingView;
  merchantRating: RatingView;
}

export interface OrderView {
  orderId: string;
  productId: string;
  merchantId: string;
  buyerId: string;
  quantity: number;
  unitPrice: Fen;
  amount: Fen;
  /** Refunds paid out so far. */
  refunded: Fen;
  status: 'paid' | 'partially-refunded' | 'refunded';
  /** The buyer's stars, once rated. */
  stars?: number;
  /** A group order (one member's order of a completed group buy): the group's id. */
  groupBuyId?: string;
  at: string;
}

/** CONTRACT v1.1, "Group buying and flash sales": `members` counts who joined so far. */
export interface GroupBuyView {
  groupBuyId: string;
  productId: string;
  groupPrice: Fen;
  groupSize: number;
  members: number;
  status: 'open' | 'completed' | 'failed';
  expiresAt: string;
}

export interface OrdersPage {
  items: OrderView[];
  nextCursor?: string;
}

export interface SalesDay {
  /** Beijing calendar day, YYYY-MM-DD. */
  day: string;
  orders: number;
  gross: Fen;
  refunds: Fen;
  net: Fen;
}
