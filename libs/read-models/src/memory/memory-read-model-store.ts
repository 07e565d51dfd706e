import { keys } from '../keys';
import { projectAll, type Change, type Projection } from '../projection';
import {
  articleView,
  compareLeaderboardEntries,
  createProjections,
  isStandingLike,
  pagePraisers,
  earningsView,
  encodeFeedCursor,
  feedCursorBound,
  feedItemOf,
  groupBuyView,
  orderIdOfMember,
  orderView,
  productView,
  redPacketView,
  salesDays,
  walletView,
  type RawHash,
} from '../projections';
import {
  assertDelivery,
  assertLimit,
  assertSkipped,
  type Applied,
  type ReadModelStatus,
  type ReadModelStore,
  type RevisionGap,
  type Skipped,
} from '../read-model-store.port';
import type {
  ArticleView,
  EarningsView,
  FeedPage,
  FeedQuery,
  GroupBuyView,
  LeaderboardEntry,
  OrdersPage,
  OrderView,
  PraisersPage,
  ProductView,
  RedPacketView,
  SalesDay,
  WalletView,
} from '../views';
import { intField } from '../projections/raw';
import { SortedSet } from './sorted-set';
import { StatsReads } from '../stats/stats-reads';
import type { LuckyClaim, MoneyTotals, StatsBucket, StatsQuery, StatsRankEntry, StatsRankQuery } from '../stats/stats.views';

export interface MemoryReadModelStoreOptions {
  /** Items kept per user feed (default 1000). */
  feedLength?: number;
}

/**
 * The read models in process memory, for the embedded default (rebuilt from the event store at start)
 * and fast specs. Same projections, same changes, same semantics as the Redis store; apply is atomic
 * because it runs to completion without awaiting.
 */
export class MemoryReadModelStore implements ReadModelStore {
  private readonly projections: Projection[];
  private hashes = new Map<string, Map<string, string>>();
  private sortedSets = new Map<string, SortedSet>();
  private appliedRevisions = new Map<string, number>();
  private mark = 0n;
  /** prevPosition -> position, for events applied ahead of the watermark. */
  private pending = new Map<bigint, bigint>();
  private counts = new Map<string, { applied: number; skipped: number }>();
  private revisionGaps = 0;
  private readonly watchers = new Set<() => void>();
  private readonly gapListeners = new Set<(gap: RevisionGap) => void>();
  private readonly statsReads = new StatsReads({
    hashes: async (keys) => keys.map((key) => this.hash(key)),
    scored: async (keys) => keys.map((key) => (this.sortedSets.get(key)?.highest(Number.MAX_SAFE_INTEGER) ?? []).map(({ member, score }) => [member, score])),
  });

  constructor(options: MemoryReadModelStoreOptions = {}) {
    this.projections = createProjections(options);
  }

  async apply(delivery: Applied): Promise<boolean> {
    return this.notified([this.applyNow(delivery)])[0]!;
  }

  async applyMany(deliveries: Applied[]): Promise<boolean[]> {
    return this.notified(deliveries.map((delivery) => this.applyNow(delivery)));
  }

  async onWatermarkMoved(moved: () => void): Promise<() => Promise<void>> {
    this.watchers.add(moved);
    return async () => void this.watchers.delete(moved);
  }

  onRevisionGap(told: (gap: RevisionGap) => void): () => void {
    const listener = (gap: RevisionGap) => told(gap);
    this.gapListeners.add(listener);
    return () => this.gapListeners.delete(listener);
  }

  private notified(results: boolean[]): boolean[] {
    if (results.some(Boolean)) for (const moved of this.watchers) queueMicrotask(moved);
    return results;
  }

  async skip(skipped: Skipped): Promise<boolean> {
    return this.notified([this.skipNow(skipped)])[0]!;
  }

  private skipNow(skipped: Skipped): boolean {
    assertSkipped(skipped);
    const { category, streamId, revision, position, prevPosition } = skipped;
    if (streamId === undefined || revision === undefined) {
      const fresh = this.advanceWatermark(prevPosition, position);
      if (fresh) this.count(category, 'skipped');
      return fresh;
    }
    const dedupeKey = `${keys.applied(category)}\u0000${streamId}`;
    const last = this.appliedRevisions.get(dedupeKey);
    if (last !== undefined && revision <= last) return false;
    // As ApplyScript: a dead letter past a gap is not recorded, or it would make later events duplicates.
    if (!this.gapBefore({ category, streamId, revision, last, applied: false })) this.appliedRevisions.set(dedupeKey, revision);
    this.advanceWatermark(prevPosition, position);
    this.count(category, 'skipped');
    return true;
  }

  /** Counts and tells a revision gap (as LUA_APPLY_PARTS); true when there is one. */
  private gapBefore(gap: RevisionGap): boolean {
    if (gap.revision <= (gap.last ?? -1) + 1) return false;
    this.revisionGaps++;
    for (const listener of this.gapListeners) listener(gap);
    return true;
  }

  async watermark(): Promise<bigint> {
    return this.mark;
  }

  /** No generations here: the embedded mode rebuilds this store from the event store at start. */
  async status(): Promise<ReadModelStatus> {
    const byCategory: ReadModelStatus['byCategory'] = {};
    let applied = 0;
    let skipped = 0;
    for (const [category, count] of this.counts) {
      byCategory[category] = { ...count };
      applied += count.applied;
      skipped += count.skipped;
    }
    return { generation: 'memory', watermark: this.mark, pending: this.pending.size, applied, skipped, revisionGaps: this.revisionGaps, byCategory };
  }

  async wallet(userId: string): Promise<WalletView | undefined> {
    return walletView(userId, this.hash(keys.wallet(userId)));
  }

  async earnings(authorId: string): Promise<EarningsView> {
    return earningsView(authorId, this.hash(keys.earnings(authorId)));
  }

  async leaderboard(limit: number): Promise<LeaderboardEntry[]> {
    assertLimit(limit);
    const top = this.sortedSets.get(keys.authorLeaderboard)?.highest(limit) ?? [];
    return top
      .map(({ member, score }) => ({ authorId: member, total: score, tips: intField(this.hash(keys.earnings(member)), 'tips') }))
      .sort(compareLeaderboardEntries);
  }

  async redPacket(redPacketId: string): Promise<RedPacketView | undefined> {
    const claims = this.sortedSets.get(keys.redPacketClaims(redPacketId))?.members() ?? [];
    return redPacketView(redPacketId, this.hash(keys.redPacket(redPacketId)), claims);
  }

  async feed(userId: string, { limit, before }: FeedQuery): Promise<FeedPage> {
    assertLimit(limit);
    const bound = before === undefined ? undefined : feedCursorBound(before);
    const members = this.sortedSets.get(keys.feed(userId))?.lexDescendingBelow(bound, limit + 1) ?? [];
    const page = members.slice(0, limit);
    return {
      items: page.map(feedItemOf),
      ...(members.length > limit ? { nextCursor: encodeFeedCursor(page[page.length - 1]) } : {}),
    };
  }

  async article(articleId: string, viewerId?: string): Promise<ArticleView | undefined> {
    const liked = viewerId === undefined ? undefined : this.hashes.get(keys.articleLikes(articleId))?.get(viewerId);
    return articleView(articleId, this.hash(keys.article(articleId)), isStandingLike(liked));
  }

  async praisers(articleId: string, { limit, before }: FeedQuery): Promise<PraisersPage> {
    assertLimit(limit);
    const likes = this.hashes.get(keys.articleLikes(articleId));
    const set = this.sortedSets.get(keys.articlePraisers(articleId));
    return pagePraisers(
      limit,
      before,
      async (bound, count) => set?.lexDescendingBelow(bound, count) ?? [],
      async (userIds) => userIds.map((userId) => likes?.get(userId)),
    );
  }

  async product(productId: string): Promise<ProductView | undefined> {
    const product = this.hash(keys.product(productId));
    return productView(productId, product, product.merchantId === undefined ? {} : this.hash(keys.merchant(product.merchantId)));
  }

  async orders(of: { buyerId: string } | { merchantId: string }, { limit, before }: FeedQuery): Promise<OrdersPage> {
    assertLimit(limit);
    const list = 'buyerId' in of ? keys.buyerOrders(of.buyerId) : keys.merchantOrders(of.merchantId);
    const bound = before === undefined ? undefined : feedCursorBound(before);
    const members = this.sortedSets.get(list)?.lexDescendingBelow(bound, limit + 1) ?? [];
    const page = members.slice(0, limit);
    const items = page.map((member) => orderView(this.hash(keys.order(orderIdOfMember(member))))).filter((view): view is OrderView => view !== undefined);
    return { items, ...(members.length > limit ? { nextCursor: encodeFeedCursor(page[page.length - 1]!) } : {}) };
  }

  async groupBuy(groupBuyId: string): Promise<GroupBuyView | undefined> {
    return groupBuyView(groupBuyId, this.hash(keys.groupBuy(groupBuyId)));
  }

  async sales(merchantId: string, from: string, to: string): Promise<SalesDay[]> {
    return salesDays(this.hash(keys.merchantSales(merchantId)), from, to);
  }

  stats(query: StatsQuery): Promise<StatsBucket[]> {
    return this.statsReads.stats(query);
  }

  statsTop(query: StatsRankQuery): Promise<StatsRankEntry[]> {
    return this.statsReads.statsTop(query);
  }

  luckiestClaims(from: string, to: string, limit: number): Promise<LuckyClaim[]> {
    return this.statsReads.luckiestClaims(from, to, limit);
  }

  moneyTotals(): Promise<MoneyTotals> {
    return this.statsReads.moneyTotals();
  }

  async clear(): Promise<void> {
    this.hashes = new Map();
    this.sortedSets = new Map();
    this.appliedRevisions = new Map();
    this.mark = 0n;
    this.pending = new Map();
    this.counts = new Map();
    this.revisionGaps = 0;
  }

  async close(): Promise<void> {}

  private applyNow(delivery: Applied): boolean {
    assertDelivery(delivery);
    const { category, event, prevPosition } = delivery;
    const changes = projectAll(this.projections, event);
    const dedupeKey = `${keys.applied(category)}\u0000${event.streamId}`;
    const last = this.appliedRevisions.get(dedupeKey);
    if (last !== undefined && event.revision <= last) return false;
    changes.forEach((change) => this.change(change));
    this.gapBefore({ category, streamId: event.streamId, revision: event.revision, last, applied: true });
    this.appliedRevisions.set(dedupeKey, event.revision);
    this.advanceWatermark(prevPosition, event.position);
    this.count(category, 'applied');
    return true;
  }

  /** The twin of the Lua advance(): true when the position is new to the chain. */
  private advanceWatermark(prev: bigint, position: bigint): boolean {
    if (prev === this.mark) {
      let mark = position;
      for (let next = this.pending.get(mark); next !== undefined; next = this.pending.get(mark)) {
        this.pending.delete(mark);
        if (next <= mark) break;
        mark = next;
      }
      this.mark = mark;
      return true;
    }
    if (prev > this.mark) {
      if (this.pending.get(prev) === position) return false;
      this.pending.set(prev, position);
      return true;
    }
    return false;
  }

  private count(category: string, counter: 'applied' | 'skipped'): void {
    let count = this.counts.get(category);
    if (!count) this.counts.set(category, (count = { applied: 0, skipped: 0 }));
    count[counter]++;
  }

  private change(change: Change): void {
    switch (change.op) {
      case 'hset': {
        const hash = this.mutableHash(change.key);
        for (const [field, value] of Object.entries(change.values)) hash.set(field, String(value));
        return;
      }
      case 'hincrby': {
        const hash = this.mutableHash(change.key);
        hash.set(change.field, String(Number(hash.get(change.field) ?? 0) + change.by));
        return;
      }
      case 'zincrby':
        return this.sortedSet(change.key).incrementBy(change.member, change.by);
      case 'zadd':
        return this.sortedSet(change.key).add(change.member, change.score);
      case 'ztrim':
        return this.sortedSet(change.key).keepHighest(change.keep);
    }
  }

  private hash(key: string): RawHash {
    return Object.fromEntries(this.hashes.get(key) ?? []);
  }

  private mutableHash(key: string): Map<string, string> {
    let hash = this.hashes.get(key);
    if (!hash) this.hashes.set(key, (hash = new Map<string, string>()));
    return hash;
  }

  private sortedSet(key: string): SortedSet {
    let set = this.sortedSets.get(key);
    if (!set) this.sortedSets.set(key, (set = new SortedSet()));
    return set;
  }
}
