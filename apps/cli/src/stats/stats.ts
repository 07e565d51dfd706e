import type { EventDataByType, StoredEvent } from '@zan/contracts';

type Data<T extends keyof EventDataByType> = EventDataByType[T];

export interface Tally {
  count: number;
  amount: number;
}

export const DAY_COLUMNS = ['fundings', 'withdrawals', 'transfers', 'tips', 'redPackets', 'claims', 'orders', 'refunds', 'merchantPayments'] as const;
export type DayColumn = (typeof DAY_COLUMNS)[number];

const DAY_COLUMN_OF: Partial<Record<string, DayColumn>> = {
  WalletFunded: 'fundings',
  WalletWithdrawn: 'withdrawals',
  FundsTransferred: 'transfers',
  TipPraised: 'tips',
  RedPacketSent: 'redPackets',
  RedPacketClaimed: 'claims',
  OrderPlaced: 'orders',
  OrderRefunded: 'refunds',
  MerchantPaid: 'merchantPayments',
};

/** Shares of lucky packets as a multiple of the packet's mean share (amount / shares). */
export const LUCK_BUCKETS = [0, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2] as const;

interface OpenPacket {
  amount: number;
  shares: number;
  lucky: boolean;
  claims: number[];
}

export interface LuckStats {
  /** Lucky-mode packets with at least one claim. */
  packets: number;
  claims: number;
  /** Claims per bucket [LUCK_BUCKETS[i], LUCK_BUCKETS[i+1]); the last bucket is 2x the mean and more. */
  histogram: number[];
  /** The best claim of each packet with two claims or more, as a share of the packet's amount. */
  bestLuck: { packets: number; meanShare: number; medianShare: number; maxShare: number; meanOfMean: number };
  /** How often the best claim was the 1st, 2nd, ... claim of its packet (the 10th bucket: 10th and later). */
  bestByClaimOrder: number[];
}

export interface ArticlePraise {
  articleId: string;
  /** Undefined for tips to an article whose publication is outside the events read (or before v1.1). */
  authorId?: string;
  likes: number;
  tips: number;
  total: number;
}

export interface StatsResult {
  events: number;
  first?: string;
  last?: string;
  byType: Record<string, Tally>;
  /** UTC day -> column -> tally. */
  byDay: Record<string, Record<DayColumn, Tally>>;
  topAuthors: { authorId: string; total: number; tips: number; articles: number }[];
  /** Articles by praise: tips (their sum, then their count), then likes standing (liked minus unliked). */
  topArticles: ArticlePraise[];
  luck: LuckStats;
}

/**
 * Analysts' totals in one pass over the events: by type, by UTC day, top authors by tips received,
 * articles by praise (likes and tips), and how lucky red-packet claims were. Memory grows with days,
 * authors, articles and packets still open, not with events.
 */
export class Stats {
  private events = 0;
  private first?: string;
  private last?: string;
  private readonly byType = new Map<string, Tally>();
  private readonly byDay = new Map<string, Record<DayColumn, Tally>>();
  private readonly authors = new Map<string, { total: number; tips: number; articles: Set<string> }>();
  private readonly open = new Map<string, OpenPacket>();
  private readonly articles = new Map<string, ArticlePraise>();
  private readonly histogram = new Array<number>(LUCK_BUCKETS.length).fill(0);
  private luckyPackets = 0;
  private luckyClaims = 0;
  private readonly bestShares: number[] = [];
  private bestOfMeanSum = 0;
  private readonly bestByOrder = new Array<number>(10).fill(0);

  apply(event: StoredEvent): void {
    this.events++;
    this.first ??= event.occurredAt;
    this.last = event.occurredAt;
    const amount = (event.data as { amount?: unknown } | null)?.amount;
    const money = typeof amount === 'number' ? amount : 0;
    add(this.tally(this.byType, event.type), money);
    const column = DAY_COLUMN_OF[event.type];
    if (column) add(this.day(event.occurredAt.slice(0, 10))[column], money);

    switch (event.type) {
      case 'TipPraised': {
        const d = event.data as Data<'TipPraised'>;
        let author = this.authors.get(d.authorId);
        if (!author) this.authors.set(d.authorId, (author = { total: 0, tips: 0, articles: new Set() }));
        author.total += d.amount;
        author.tips++;
        author.articles.add(d.articleId);
        const article = this.article(d.articleId);
        article.tips++;
        article.total += d.amount;
        return;
      }
      case 'ArticlePublished': {
        const d = event.data as Data<'ArticlePublished'>;
        this.article(d.articleId).authorId = d.authorId;
        return;
      }
      case 'ArticleLiked':
        this.article((event.data as Data<'ArticleLiked'>).articleId).likes++;
        return;
      case 'ArticleUnliked':
        this.article((event.data as Data<'ArticleUnliked'>).articleId).likes--;
        return;
      case 'RedPacketEscrowed': {
        const d = event.data as Data<'RedPacketEscrowed'>;
        this.open.set(d.redPacketId, { amount: d.amount, shares: d.shares, lucky: d.mode === 'lucky', claims: [] });
        return;
      }
      case 'RedPacketClaimed': {
        const d = event.data as Data<'RedPacketClaimed'>;
        const packet = this.open.get(d.redPacketId);
        if (!packet) return;
        packet.claims.push(d.amount);
        if (d.remainingShares === 0) this.close(d.redPacketId);
        return;
      }
      case 'RedPacketExpired':
        this.close((event.data as Data<'RedPacketExpired'>).redPacketId);
        return;
      default:
        return;
    }
  }

  result(topAuthors = 10): StatsResult {
    for (const id of [...this.open.keys()]) this.close(id);
    const sorted = [...this.bestShares].sort((a, b) => a - b);
    const n = sorted.length;
    return {
      events: this.events,
      first: this.first,
      last: this.last,
      byType: Object.fromEntries([...this.byType.entries()].sort(([a], [b]) => (a < b ? -1 : 1))),
      byDay: Object.fromEntries([...this.byDay.entries()].sort(([a], [b]) => (a < b ? -1 : 1))),
      topAuthors: [...this.authors.entries()]
        .map(([authorId, a]) => ({ authorId, total: a.total, tips: a.tips, articles: a.articles.size }))
        .sort((a, b) => b.total - a.total || (a.authorId < b.authorId ? -1 : 1))
        .slice(0, topAuthors),
      topArticles: [...this.articles.values()]
        .sort((a, b) => b.total - a.total || b.tips - a.tips || b.likes - a.likes || (a.articleId < b.articleId ? -1 : 1))
        .slice(0, topAuthors)
        .map((a) => ({ ...a })),
      luck: {
        packets: this.luckyPackets,
        claims: this.luckyClaims,
        histogram: [...this.histogram],
        bestLuck: {
          packets: n,
          meanShare: n ? round(sorted.reduce((s, x) => s + x, 0) / n) : 0,
          medianShare: n ? round(n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2) : 0,
          maxShare: n ? round(sorted[n - 1]) : 0,
          meanOfMean: n ? round(this.bestOfMeanSum / n) : 0,
        },
        bestByClaimOrder: [...this.bestByOrder],
      },
    };
  }

  /** A packet is done (exhausted or expired): its claims go into the luck figures, its state away. */
  private close(redPacketId: string): void {
    const packet = this.open.get(redPacketId);
    this.open.delete(redPacketId);
    if (!packet || !packet.lucky || packet.claims.length === 0) return;
    const mean = packet.amount / packet.shares;
    this.luckyPackets++;
    for (const claim of packet.claims) {
      this.luckyClaims++;
      const ratio = claim / mean;
      let bucket = LUCK_BUCKETS.length - 1;
      while (bucket > 0 && ratio < LUCK_BUCKETS[bucket]) bucket--;
      this.histogram[bucket]++;
    }
    if (packet.claims.length < 2) return;
    const best = Math.max(...packet.claims);
    this.bestShares.push(best / packet.amount);
    this.bestOfMeanSum += best / mean;
    this.bestByOrder[Math.min(packet.claims.indexOf(best), this.bestByOrder.length - 1)]++;
  }

  private article(articleId: string): ArticlePraise {
    let article = this.articles.get(articleId);
    if (!article) this.articles.set(articleId, (article = { articleId, likes: 0, tips: 0, total: 0 }));
    return article;
  }

  private tally(map: Map<string, Tally>, key: string): Tally {
    let tally = map.get(key);
    if (!tally) map.set(key, (tally = { count: 0, amount: 0 }));
    return tally;
  }

  private day(day: string): Record<DayColumn, Tally> {
    let row = this.byDay.get(day);
    if (!row) this.byDay.set(day, (row = Object.fromEntries(DAY_COLUMNS.map((c) => [c, { count: 0, amount: 0 }])) as Record<DayColumn, Tally>));
    return row;
  }
}

const add = (tally: Tally, amount: number): void => {
  tally.count++;
  tally.amount += amount;
};

const round = (x: number): number => Math.round(x * 10_000) / 10_000;
