import type { StoredEvent } from '@zan/contracts';
import type {
  ArticleView,
  EarningsView,
  FeedPage,
  FeedQuery,
  GroupBuyView,
  LeaderboardEntry,
  OrdersPage,
  PraisersPage,
  ProductView,
  RedPacketView,
  SalesDay,
  WalletView,
} from './views';
import type { LuckyClaim, MoneyTotals, StatsBucket, StatsQuery, StatsRankEntry, StatsRankQuery } from './stats/stats.views';

export type {
  ArticleView,
  EarningsView,
  FeedItem,
  FeedItemType,
  FeedPage,
  FeedQuery,
  GroupBuyView,
  LeaderboardEntry,
  OrdersPage,
  OrderView,
  Praiser,
  PraisersPage,
  ProductView,
  RatingView,
  RedPacketView,
  SalesDay,
  WalletView,
} from './views';

/** One delivery of an event from Kafka (or from the event store, when rebuilding). */
export interface Applied {
  /** The Kafka category (topic) the event came through: dedupe is per category and stream. */
  category: string;
  event: StoredEvent;
  /** Global position of the event published just before this one; 0n before the very first. */
  prevPosition: bigint;
}

/**
 * An event recorded as applied with no changes: a poison message the projector dead-lettered. Its
 * place in the position chain is taken, so the watermark does not stop at it for good. The stream and
 * revision are given when the message told them; then later copies of it are duplicates.
 */
export interface Skipped {
  category: string;
  streamId?: string;
  revision?: number;
  position: bigint;
  prevPosition: bigint;
}

/**
 * A stream's revision past the last one applied + 1 (in its category): an event of the stream is
 * missing before it (dead-lettered without readable headers, or never read), or the message is one
 * Zan never published (a forged ce_sequence). Applied, it makes every later event of the stream up to
 * its revision a duplicate; a dead letter past a gap is left unrecorded (`applied` false).
 */
export interface RevisionGap {
  category: string;
  streamId: string;
  revision: number;
  /** The last revision applied before it; undefined when none was. */
  last?: number;
  /** True when the event was applied; false for a dead letter, not recorded. */
  applied: boolean;
}

/** What `zan projections status` shows: where the read models stand. */
export interface ReadModelStatus {
  /** The generation answering queries (`memory` for the in-memory store). */
  generation: string;
  /** The checkpoint: every event up to this position has been applied. */
  watermark: bigint;
  /** Events applied ahead of the watermark, waiting for the ones before them. */
  pending: number;
  /** Events applied in this generation (duplicates not counted), and events skipped. */
  applied: number;
  skipped: number;
  /** Revision gaps met in this generation (RevisionGap): each one is an event missing or forged. */
  revisionGaps: number;
  byCategory: Record<string, { applied: number; skipped: number }>;
  /** A rebuild filling a new generation, when one runs (Redis only). */
  rebuilding?: { generation: string; watermark: bigint; applied: number; skipped: number };
}

/**
 * The read models' store. Every delivery must be applied (or skipped), even of an event no projection
 * uses, or the watermark stops at it.
 */
export interface ReadModelStore {
  /**
   * Applies the changes of every projection for this event, the dedupe record and the watermark in
   * ONE atomic step. Returns false when already applied (same streamId and a revision at or below the
   * last one applied within its category, whatever the offset).
   */
  apply(delivery: Applied): Promise<boolean>;
  /** apply() for each delivery, in order, in one round trip where the store can. */
  applyMany?(deliveries: Applied[]): Promise<boolean[]>;
  /**
   * Records a poison event as applied with no changes, atomically like apply: the dedupe record (when
   * the stream and revision are known, and the revision is the last applied + 1: past a gap it is
   * left out, see RevisionGap) and the watermark. Returns false when already applied.
   */
  skip(skipped: Skipped): Promise<boolean>;
  /** Every event with position <= watermark has been applied (contiguous along the prevPosition chain). */
  watermark(): Promise<bigint>;
  /**
   * Calls `moved` (soon, at most once per write, maybe spuriously) after a write that may have moved
   * the watermark, in any process applying to this store: waiters re-read it instead of polling.
   * One subscription per call; the returned function ends it.
   */
  onWatermarkMoved?(moved: () => void): Promise<() => Promise<void>>;
  /** Calls `told` for each revision gap this store's writes meet (see RevisionGap); the returned function ends it. */
  onRevisionGap?(told: (gap: RevisionGap) => void): () => void;
  /**
   * True while the store holds Zan v1's read models (its key layout) and nothing of this one: they
   * cannot be read (every wallet would look missing) until `zan projections rebuild`.
   */
  holdsOnlyZanV1?(): Promise<boolean>;
  status(): Promise<ReadModelStatus>;
  wallet(userId: string): Promise<WalletView | undefined>;
  /** Zeros when the author has no tips. */
  earnings(authorId: string): Promise<EarningsView>;
  /** Highest total first; ties by authorId ascending. */
  leaderboard(limit: number): Promise<LeaderboardEntry[]>;
  redPacket(redPacketId: string): Promise<RedPacketView | undefined>;
  /** Newest first. Throws InvalidFeedCursor for a cursor it did not issue. */
  feed(userId: string, query: FeedQuery): Promise<FeedPage>;
  /** Undefined until its publication is applied; `likedByMe` answers for `viewerId`. */
  article(articleId: string, viewerId?: string): Promise<ArticleView | undefined>;
  /** An article's standing likes (amount 0) and every tip, newest first. Throws InvalidFeedCursor for a cursor it did not issue. */
  praisers(articleId: string, query: FeedQuery): Promise<PraisersPage>;
  /** The product card, its merchant's rating beside it, in one read; undefined until its listing is applied. */
  product(productId: string): Promise<ProductView | undefined>;
  /** A buyer's or a merchant's orders, newest first. Throws InvalidFeedCursor for a cursor it did not issue. */
  orders(of: { buyerId: string } | { merchantId: string }, query: FeedQuery): Promise<OrdersPage>;
  /** A group buy: its members so far and its status; undefined until its opening is applied. */
  groupBuy(groupBuyId: string): Promise<GroupBuyView | undefined>;
  /** A merchant's sales per Beijing calendar day, every day from `from` to `to` (YYYY-MM-DD, inclusive). */
  sales(merchantId: string, from: string, to: string): Promise<SalesDay[]>;
  /**
   * The dashboard's aggregates: one bucket per Beijing day or hour of the range, zeros where nothing
   * happened. Throws InvalidStatsRange for a bad day, a reversed range or one too long (see MAX_STATS_DAYS).
   */
  stats(query: StatsQuery): Promise<StatsBucket[]>;
  /** Authors or articles by tips received in the range, highest first, ties by id. */
  statsTop(query: StatsRankQuery): Promise<StatsRankEntry[]>;
  /** The luckiest claims of the range, luckiest first. */
  luckiestClaims(from: string, to: string, limit: number): Promise<LuckyClaim[]>;
  /** The money equation's terms over the whole history applied so far. */
  moneyTotals(): Promise<MoneyTotals>;
  /** Deletes every read-model key of this store (every generation), for rebuilds and tests. */
  clear(): Promise<void>;
  close(): Promise<void>;
}

export const READ_MODEL_STORE = Symbol('READ_MODEL_STORE');

export class InvalidDelivery extends Error {
  override readonly name = 'InvalidDelivery';
}

/** A position chain that goes backwards would make the watermark loop or lie. */
export const assertDelivery = ({ category, event, prevPosition }: Applied): void => {
  if (!category) throw new InvalidDelivery(`event ${event.id}: no category`);
  if (!Number.isSafeInteger(event.revision) || event.revision < 0) throw new InvalidDelivery(`event ${event.id}: bad revision ${event.revision}`);
  if (prevPosition < 0n || event.position < 0n) throw new InvalidDelivery(`event ${event.id}: negative position`);
  if (prevPosition >= event.position && !(prevPosition === 0n && event.position === 0n)) {
    throw new InvalidDelivery(`event ${event.id}: prevPosition ${prevPosition} is not below position ${event.position}`);
  }
};

export const assertSkipped = ({ category, streamId, revision, position, prevPosition }: Skipped): void => {
  if (!category) throw new InvalidDelivery(`skip at ${position}: no category`);
  if ((streamId === undefined) !== (revision === undefined)) throw new InvalidDelivery(`skip at ${position}: streamId and revision go together`);
  if (revision !== undefined && (!Number.isSafeInteger(revision) || revision < 0)) throw new InvalidDelivery(`skip at ${position}: bad revision ${revision}`);
  if (prevPosition < 0n || position <= prevPosition) throw new InvalidDelivery(`skip: prevPosition ${prevPosition} is not below position ${position}`);
};

/** Where a store applies: the live store, or a generation a rebuild fills. */
export type ApplyTarget = Pick<ReadModelStore, 'apply' | 'applyMany' | 'skip'>;

export const assertLimit = (limit: number): void => {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, not ${limit}`);
};
