import { eventCategory, streamCategory, type StoredEvent } from '@zan/contracts';
import {
  MAX_STATS_DAYS,
  MemoryReadModelStore,
  beijingDay,
  type ArticleView,
  type EarningsView,
  type FeedItem,
  type FeedPage,
  type FeedQuery,
  type GroupBuyView,
  type LeaderboardEntry,
  type LuckyClaim,
  type MoneyTotals,
  type OrderView,
  type Praiser,
  type ProductView,
  type ReadModelStore,
  type RedPacketView,
  type SalesDay,
  type StatsBucket,
  type StatsRankEntry,
  type WalletView,
} from '@zan/read-models';

/** Whose views to capture. */
export interface ReadModelIds {
  users: string[];
  authors?: string[];
  packets?: string[];
  articles?: string[];
  products?: string[];
  merchants?: string[];
  groupBuys?: string[];
  /** The Beijing days the events span (YYYY-MM-DD, both included): the range of the day-keyed views. */
  days?: { from: string; to: string };
}

/** Everything a reader can see of these ids, keyed by id so a failing comparison reads well. */
export interface ReadModelSnapshot {
  /** The store's watermark in decimal: a bigint in a failed comparison would stop jest's worker from reporting it. */
  watermark: string;
  wallets: Record<string, WalletView | null>;
  earnings: Record<string, EarningsView>;
  leaderboard: LeaderboardEntry[];
  packets: Record<string, RedPacketView | null>;
  /** Each user's whole feed, newest first, read page by page through the cursor. */
  feeds: Record<string, FeedItem[]>;
  articles: Record<string, ArticleView | null>;
  /** Each article's whole list of praisers, newest first. */
  praisers: Record<string, Praiser[]>;
  products: Record<string, ProductView | null>;
  /** Each user's orders as a buyer, and each merchant's as a merchant, newest first. */
  ordersBought: Record<string, OrderView[]>;
  ordersSold: Record<string, OrderView[]>;
  groupBuys: Record<string, GroupBuyView | null>;
  moneyTotals: MoneyTotals;
  /** The day-keyed views over `ids.days` (empty without it, or past the longest range the stats answer). */
  sales: Record<string, SalesDay[]>;
  stats: {
    days: StatsBucket[];
    hours: StatsBucket[];
    authors: StatsRankEntry[];
    articles: StatsRankEntry[];
    merchants: StatsRankEntry[];
    luckiest: LuckyClaim[];
  };
}

/** Every page of a cursor-paged view, newest first. */
const allPages = async <T>(read: (query: FeedQuery) => Promise<{ items: T[]; nextCursor?: string }>, pageSize: number, what: string): Promise<T[]> => {
  const items: T[] = [];
  let before: string | undefined;
  for (let pages = 0; pages < 100_000; pages++) {
    const page = await read({ limit: pageSize, before });
    items.push(...page.items);
    if (page.nextCursor === undefined) return items;
    before = page.nextCursor;
  }
  throw new Error(`${what} never ends`);
};

const within = (days: ReadModelIds['days'], longest: number): days is { from: string; to: string } =>
  days !== undefined && (Date.parse(days.to) - Date.parse(days.from)) / 86_400_000 < longest;

/**
 * Captures every view of a store: wallets, earnings, the leaderboard, red packets, feeds, articles
 * and their praisers, product cards, orders, group buys, the money totals and the dashboard's stats.
 * `expect(await captureReadModels(live, ids)).toEqual(await captureReadModels(replay, ids))`.
 */
export const captureReadModels = async (
  store: ReadModelStore,
  ids: ReadModelIds,
  options: { leaderboardLimit?: number; feedPage?: number } = {},
): Promise<ReadModelSnapshot> => {
  const byId = async <T>(list: string[] | undefined, read: (id: string) => Promise<T>) => {
    const sorted = [...new Set(list ?? [])].sort();
    return Object.fromEntries(await Promise.all(sorted.map(async (id) => [id, await read(id)] as const))) as Record<string, T>;
  };
  const page = options.feedPage ?? 50;
  const days = ids.days;
  return {
    watermark: String(await store.watermark()),
    wallets: await byId(ids.users, async (u) => (await store.wallet(u)) ?? null),
    earnings: await byId(ids.authors, (a) => store.earnings(a)),
    leaderboard: await store.leaderboard(options.leaderboardLimit ?? 1000),
    packets: await byId(ids.packets, async (p) => (await store.redPacket(p)) ?? null),
    feeds: await byId(ids.users, (u) => wholeFeed(store, u, options.feedPage ?? 50)),
    articles: await byId(ids.articles, async (a) => (await store.article(a)) ?? null),
    praisers: await byId(ids.articles, (a) => allPages((q) => store.praisers(a, q), page, `the praisers of ${a}`)),
    products: await byId(ids.products, async (p) => (await store.product(p)) ?? null),
    ordersBought: await byId(ids.users, (u) => allPages((q) => store.orders({ buyerId: u }, q), page, `the orders of ${u}`)),
    ordersSold: await byId(ids.merchants, (m) => allPages((q) => store.orders({ merchantId: m }, q), page, `the sales of ${m}`)),
    groupBuys: await byId(ids.groupBuys, async (g) => (await store.groupBuy(g)) ?? null),
    moneyTotals: await store.moneyTotals(),
    sales: within(days, MAX_STATS_DAYS.day) ? await byId(ids.merchants, (m) => store.sales(m, days.from, days.to)) : {},
    stats: {
      days: within(days, MAX_STATS_DAYS.day) ? await store.stats({ unit: 'day', ...days }) : [],
      hours: within(days, MAX_STATS_DAYS.hour) ? await store.stats({ unit: 'hour', ...days }) : [],
      authors: within(days, MAX_STATS_DAYS.day) ? await store.statsTop({ kind: 'authors', ...days, limit: 1000 }) : [],
      articles: within(days, MAX_STATS_DAYS.day) ? await store.statsTop({ kind: 'articles', ...days, limit: 1000 }) : [],
      merchants: within(days, MAX_STATS_DAYS.day) ? await store.statsTop({ kind: 'merchants', ...days, limit: 1000 }) : [],
      // Each shard keeps a day's ten luckiest (LUCKY_CLAIMS_PER_DAY): the ten are the day's, more are not
      // (the dashboard asks for five).
      luckiest: within(days, MAX_STATS_DAYS.day) ? await store.luckiestClaims(days.from, days.to, 10) : [],
    },
  };
};

export const wholeFeed = (store: ReadModelStore, userId: string, pageSize = 50): Promise<FeedItem[]> =>
  allPages<FeedItem>((query) => store.feed(userId, query) as Promise<FeedPage>, pageSize, `the feed of ${userId}`);

/** Every user, author, red packet, article, product, merchant and group buy the events name, and the days they span. */
export const idsOf = (events: StoredEvent[]): ReadModelIds & Required<Omit<ReadModelIds, 'days'>> => {
  const users = new Set<string>();
  const authors = new Set<string>();
  const packets = new Set<string>();
  const articles = new Set<string>();
  const products = new Set<string>();
  const merchants = new Set<string>();
  const groupBuys = new Set<string>();
  const add = (set: Set<string>, value: unknown) => typeof value === 'string' && set.add(value);
  let first: string | undefined;
  let last: string | undefined;
  for (const { data, occurredAt } of events) {
    const d = data as Record<string, unknown>;
    for (const field of ['userId', 'fromUserId', 'toUserId', 'readerId', 'authorId', 'senderId', 'buyerId', 'merchantId', 'payerId']) add(users, d[field]);
    add(authors, d.authorId);
    add(packets, d.redPacketId);
    add(articles, d.articleId);
    add(products, d.productId);
    add(merchants, d.merchantId);
    add(groupBuys, d.groupBuyId);
    if (occurredAt && (first === undefined || occurredAt < first)) first = occurredAt;
    if (occurredAt && (last === undefined || occurredAt > last)) last = occurredAt;
  }
  return {
    users: [...users],
    authors: [...authors],
    packets: [...packets],
    articles: [...articles],
    products: [...products],
    merchants: [...merchants],
    groupBuys: [...groupBuys],
    ...(first !== undefined && last !== undefined && { days: { from: beijingDay(first), to: beijingDay(last) } }),
  };
};

/** Every event of the event store, in global order, page by page. */
export const readAllEvents = async (source: { readAll(options: { after?: bigint; maxCount?: number }): Promise<StoredEvent[]> }): Promise<StoredEvent[]> => {
  const events: StoredEvent[] = [];
  for (;;) {
    const page = await source.readAll({ after: events[events.length - 1]?.position, maxCount: 1000 });
    if (page.length === 0) return events;
    events.push(...page);
  }
};

/** A fresh replay: the events in global order into an in-memory store, with the chain the relay makes. */
export const replayEvents = async (events: StoredEvent[], options: { feedLength?: number } = {}): Promise<MemoryReadModelStore> => {
  const replay = new MemoryReadModelStore(options);
  let prevPosition = 0n;
  for (const event of events) {
    await replay.apply({ category: eventCategory(event.type, streamCategory(event.streamId)), event, prevPosition });
    prevPosition = event.position;
  }
  return replay;
};

/**
 * Waits until the system is quiet and projected: the event store's last event has not moved for
 * `quietMs` (process managers have appended their credits), the store's watermark has reached it, and,
 * given the credits process manager, it has handled everything through it.
 *
 * The last event is `latestPosition` where the store has it (PostgreSQL): its `headPosition` stops short
 * of every transaction in flight in the whole database, so another suite's long transaction would hold
 * the head (and the watermark) still while this suite's later events are committed, and the wait would
 * end before they are projected.
 */
export const waitUntilProjected = async (
  events: { headPosition(): Promise<bigint | undefined>; latestPosition?(): Promise<bigint | undefined> },
  store: Pick<ReadModelStore, 'watermark'>,
  options: { timeoutMs?: number; quietMs?: number; credits?: { readonly handledThrough: bigint } } = {},
): Promise<bigint> => {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  const quietMs = options.quietMs ?? 500;
  const last = async (): Promise<bigint> => (events.latestPosition ? await events.latestPosition() : await events.headPosition()) ?? 0n;
  let head = await last();
  let since = Date.now();
  for (;;) {
    const now = await last();
    if (now !== head) [head, since] = [now, Date.now()];
    const watermark = await store.watermark();
    const credited = options.credits === undefined || options.credits.handledThrough >= head;
    if (watermark === head && credited && Date.now() - since >= quietMs) return head;
    if (Date.now() > deadline) {
      throw new Error(
        `not projected in time: last event ${head}, watermark ${watermark}${options.credits ? `, credits through ${options.credits.handledThrough}` : ''}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

/**
 * Once quiet and projected (waitUntilProjected), the live store's views and a fresh replay's of every
 * stored event (returned too), over the same ids, for a spec to compare: `expect(live).toEqual(replayed)`.
 */
export const liveAndReplayed = async (
  events: Parameters<typeof waitUntilProjected>[0] & Parameters<typeof readAllEvents>[0],
  store: ReadModelStore,
  options: { feedLength?: number; timeoutMs?: number },
): Promise<{ events: StoredEvent[]; ids: ReturnType<typeof idsOf>; live: ReadModelSnapshot; replayed: ReadModelSnapshot }> => {
  await waitUntilProjected(events, store, { timeoutMs: options.timeoutMs });
  const all = await readAllEvents(events);
  const ids = idsOf(all);
  return {
    events: all,
    ids,
    live: await captureReadModels(store, ids),
    replayed: await captureReadModels(await replayEvents(all, { feedLength: options.feedLength }), ids),
  };
};
