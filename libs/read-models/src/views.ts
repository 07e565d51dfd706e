import type { CURRENCY, Fen, RedPacketMode, WalletKind } from '@zan/contracts';

/** The answers of CONTRACT.md, "Queries over HTTP". Amounts are integer fen. */
export interface WalletView {
  userId: string;
  kind: WalletKind;
  balance: Fen;
  currency: typeof CURRENCY;
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
