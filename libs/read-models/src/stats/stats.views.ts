import type { Fen } from '@zan/contracts';
import { compareBytes } from '../positions';

/** A hash as both stores return it (field -> string, {} when missing). */
type RawHash = Record<string, string>;
const intField = (hash: RawHash, field: string): number => Number(hash[field] ?? 0);

/**
 * The counters every day and hour bucket keeps (counts and sums in fen). A new kind of event the
 * dashboard should count (commerce: sales and refunds) adds its counters here and its rule in
 * COUNTERS_OF (stats.projection.ts); the stores, the routes and the page pick them up by name.
 */
export const STATS_COUNTERS = [
  'events',
  'likes',
  'unlikes',
  'tips',
  'tipAmount',
  'fundings',
  'fundingAmount',
  'withdrawals',
  'withdrawalAmount',
  'transfers',
  'transferAmount',
  'redPackets',
  'redPacketAmount',
  'claims',
  'claimAmount',
  'redPacketRefundAmount',
  'orders',
  'orderAmount',
  'groupBuyOrders',
  'groupBuyAmount',
  'codePayments',
  'codePaymentAmount',
  'refunds',
  'refundAmount',
] as const;
export type StatsCounter = (typeof STATS_COUNTERS)[number];

/** Luck = share ÷ mean share left when claimed, in tenths: bucket i holds [i/10, (i+1)/10); the last holds 2 and more. */
export const LUCK_BUCKETS = 21;
export const luckField = (bucket: number): string => `luck:${String(bucket).padStart(2, '0')}`;
export const minuteField = (minute: string): string => `minute:${minute}`;

export type StatsUnit = 'day' | 'hour';

/** The longest range a query may ask for, in days: a year of days, a month of hours. */
export const MAX_STATS_DAYS: Record<StatsUnit, number> = { day: 366, hour: 31 };

export interface StatsQuery {
  unit: StatsUnit;
  /** Beijing days, `YYYY-MM-DD`, both included. */
  from: string;
  to: string;
}

/** One Beijing day (`at` = YYYY-MM-DD) or hour (`at` = YYYY-MM-DDTHH). */
export type StatsBucket = { at: string } & Record<StatsCounter, number> & {
    /** Days only: claims per luck bucket (see LUCK_BUCKETS). */
    luck?: number[];
    /** Hours only: events per minute of the hour, 60 numbers. */
    eventsByMinute?: number[];
  };

export interface StatsRankQuery {
  /** Authors and articles by tips received; merchants by net sales (see SALES_OF in stats.projection.ts). */
  kind: 'authors' | 'articles' | 'merchants';
  from: string;
  to: string;
  limit: number;
}

/** An author or an article and the tips it received in the range, or a merchant and its net sales, in fen. */
export interface StatsRankEntry {
  id: string;
  amount: Fen;
}

/** One of the luckiest claims: `luck` is share ÷ mean share left, in thousandths. */
export interface LuckyClaim {
  day: string;
  redPacketId: string;
  userId: string;
  amount: Fen;
  luckPermille: number;
}

/**
 * All-time money, from the same events the balances come from: balances + held + inFlight must equal
 * fundings - withdrawals. inFlight is debits whose credit (or escrow) is not applied yet.
 */
export interface MoneyTotals {
  balances: Fen;
  held: Fen;
  inFlight: Fen;
  fundings: Fen;
  withdrawals: Fen;
}

export const MONEY_FIELDS: readonly (keyof MoneyTotals)[] = ['balances', 'held', 'inFlight', 'fundings', 'withdrawals'];

export const statsBucketView = (unit: StatsUnit, at: string, hash: RawHash): StatsBucket => {
  const bucket = { at } as StatsBucket;
  for (const counter of STATS_COUNTERS) bucket[counter] = intField(hash, counter);
  if (unit === 'day') bucket.luck = Array.from({ length: LUCK_BUCKETS }, (_, i) => intField(hash, luckField(i)));
  else bucket.eventsByMinute = Array.from({ length: 60 }, (_, m) => intField(hash, minuteField(String(m).padStart(2, '0'))));
  return bucket;
};

export const moneyTotalsView = (hash: RawHash): MoneyTotals =>
  Object.fromEntries(MONEY_FIELDS.map((field) => [field, intField(hash, field)])) as unknown as MoneyTotals;

/** Highest amount first, ties by id in byte order; `scores` is member -> summed amount. */
export const topOf = (scores: Map<string, number>, limit: number): StatsRankEntry[] =>
  [...scores]
    .map(([id, amount]) => ({ id, amount }))
    .sort((a, b) => b.amount - a.amount || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .slice(0, limit);

/** Members of the stats-luck:<day> sets are `[redPacketId, userId, amount]`. */
export const luckyClaimOf = (day: string, member: string, score: number): LuckyClaim => {
  const [redPacketId, userId, amount] = JSON.parse(member) as [string, string, number];
  return { day, redPacketId, userId, amount, luckPermille: score };
};

const luckMember = (claim: LuckyClaim): string => JSON.stringify([claim.redPacketId, claim.userId, claim.amount]);

/**
 * The luckiest first; ties by day, then as a day's trimmed set keeps them (ZREMRANGEBYRANK drops the
 * lowest score and, among equal scores, the lowest member bytes). So the best `limit` (up to
 * LUCKY_CLAIMS_PER_DAY) are the same whether a day's claims sit in one set or in shards each trimmed
 * to that length: the Redis store's answer equals a replay's.
 */
export const bestLuck = (claims: LuckyClaim[], limit: number): LuckyClaim[] =>
  claims
    .sort((a, b) => b.luckPermille - a.luckPermille || (a.day < b.day ? -1 : a.day > b.day ? 1 : compareBytes(luckMember(b), luckMember(a))))
    .slice(0, limit);
