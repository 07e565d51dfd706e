/**
 * Logical keys, before a store's prefix. Each kind has its own first segment and the id comes last,
 * so no id, whatever it contains, can make one key collide with a key of another kind.
 */
export const keys = {
  wallet: (userId: string) => `wallet:${userId}`,
  earnings: (authorId: string) => `earnings:${authorId}`,
  authorLeaderboard: 'leaderboard:authors',
  redPacket: (redPacketId: string) => `red-packet:${redPacketId}`,
  redPacketClaims: (redPacketId: string) => `red-packet-claims:${redPacketId}`,
  feed: (userId: string) => `feed:${userId}`,
  article: (articleId: string) => `article:${articleId}`,
  /** userId -> position of the like that stands, '0' once taken back. */
  articleLikes: (articleId: string) => `article-likes:${articleId}`,
  articlePraisers: (articleId: string) => `article-praisers:${articleId}`,
  /** The product card's own fields (the merchant's rating is read beside it). */
  product: (productId: string) => `product:${productId}`,
  /** A merchant's rating (ratingSum, ratingCount). */
  merchant: (merchantId: string) => `merchant:${merchantId}`,
  order: (orderId: string) => `order:${orderId}`,
  /** Sorted sets like a feed: `<position>|<orderId>`, newest last. */
  buyerOrders: (buyerId: string) => `buyer-orders:${buyerId}`,
  merchantOrders: (merchantId: string) => `merchant-orders:${merchantId}`,
  /** A group deal: what GroupBuyOpened fixes, `members` (a count) and `status` once closed. */
  groupBuy: (groupBuyId: string) => `group-buy:${groupBuyId}`,
  /** `<day>:orders`, `<day>:gross`, `<day>:refunds` per Beijing calendar day. */
  merchantSales: (merchantId: string) => `merchant-sales:${merchantId}`,
  /** Dashboard aggregates (stats/): a Beijing day YYYY-MM-DD, an hour YYYY-MM-DDTHH. */
  statsDay: (day: string) => `stats-day:${day}`,
  statsHour: (hour: string) => `stats-hour:${hour}`,
  statsAuthors: (day: string) => `stats-authors:${day}`,
  statsArticles: (day: string) => `stats-articles:${day}`,
  statsLuck: (day: string) => `stats-luck:${day}`,
  /** Merchants scored by net sales (orders, group-buy orders and code payments, less refunds) in fen. */
  statsMerchants: (day: string) => `stats-merchants:${day}`,
  statsMoney: 'stats-money',
  /** Dedupe: stream id -> last applied revision, one hash per Kafka category (per shard on Redis). */
  applied: (category: string) => `applied:${category}`,
  watermark: 'watermark',
  /** prevPosition -> position of events applied ahead of the watermark. */
  watermarkPending: 'watermark-pending',
  /** Counters: applied, skipped, applied:<category>, skipped:<category> (per shard on Redis, summed). */
  stats: 'stats',
} as const;

/**
 * How a key's writes spread over Redis's slot groups (redis/shards.ts), by its kind (first segment):
 * - 'entity' (the default): one key in the shard of its id (the text after the first ':').
 * - 'event': a hot aggregate every event adds to (hincrby, or zadd of members unique to one event):
 *   each event adds in its stream's shard, reads sum the key over every shard.
 * - 'member': a ranking (zincrby, zadd, ztrim): each member in its own shard (its entity's, so a
 *   member's entity keys are beside it), reads merge every shard's top.
 * A new key that is read as one value needs nothing here; a hot global one needs a line and a merged read.
 */
export type Placement = 'entity' | 'event' | 'member';

export const placements: Readonly<Record<string, Placement>> = {
  leaderboard: 'member',
  'stats-authors': 'member',
  'stats-articles': 'member',
  'stats-merchants': 'member',
  'stats-day': 'event',
  'stats-hour': 'event',
  'stats-luck': 'event',
  'stats-money': 'event',
};

const kindOf = (logical: string): string => {
  const colon = logical.indexOf(':');
  return colon < 0 ? logical : logical.slice(0, colon);
};

export const placementOf = (logical: string): Placement => placements[kindOf(logical)] ?? 'entity';

/** The id an entity key is placed by: the text after its kind, or the whole key when it has none. */
export const entityIdOf = (logical: string): string => {
  const colon = logical.indexOf(':');
  return colon < 0 ? logical : logical.slice(colon + 1);
};
