import type { Fen } from './money';

/**
 * The events of wallets, tips, red packets and articles (CONTRACT v1 and v1.1's praise and verified
 * accounts). Part of EventDataByType (events.ts).
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
