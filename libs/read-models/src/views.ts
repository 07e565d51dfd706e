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
  | 'red-packet-refunded';

export interface FeedItem {
  type: FeedItemType;
  /** occurredAt of the event. */
  at: string;
  /** Always positive; `type` tells the direction. */
  amount: Fen;
  /** The other user, or null when there is none (a bank card, many recipients, the packet itself). */
  counterpartyId: string | null;
  /** The funding, withdrawal, transfer, tip or red packet id. */
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
