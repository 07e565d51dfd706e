import { assertLimit } from '../read-model-store.port';
import { keys } from '../keys';
import { daysBetween, hoursOf } from './beijing';
import {
  MAX_STATS_DAYS,
  bestLuck,
  luckyClaimOf,
  moneyTotalsView,
  statsBucketView,
  topOf,
  type LuckyClaim,
  type MoneyTotals,
  type StatsBucket,
  type StatsQuery,
  type StatsRankEntry,
  type StatsRankQuery,
} from './stats.views';

const RANKED_BY_DAY: Record<StatsRankQuery['kind'], (day: string) => string> = {
  authors: keys.statsAuthors,
  articles: keys.statsArticles,
  merchants: keys.statsMerchants,
};

/** What a store gives the stats reads: hashes and scored sorted-set members by logical key, many at once. */
export interface StatsSource {
  hashes(keys: string[]): Promise<Record<string, string>[]>;
  /** Every member with its score, for each key. */
  scored(keys: string[]): Promise<[member: string, score: number][][]>;
}

/** The stats queries of the ReadModelStore port over a store's raw reads: both stores answer alike. */
export class StatsReads {
  constructor(private readonly source: StatsSource) {}

  async stats({ unit, from, to }: StatsQuery): Promise<StatsBucket[]> {
    const days = daysBetween(from, to, MAX_STATS_DAYS[unit]);
    const ids = unit === 'day' ? days : hoursOf(days);
    const hashes = await this.source.hashes(ids.map(unit === 'day' ? keys.statsDay : keys.statsHour));
    return ids.map((id, i) => statsBucketView(unit, id, hashes[i]!));
  }

  async statsTop({ kind, from, to, limit }: StatsRankQuery): Promise<StatsRankEntry[]> {
    assertLimit(limit);
    const days = daysBetween(from, to, MAX_STATS_DAYS.day);
    const sets = await this.source.scored(days.map(RANKED_BY_DAY[kind]));
    const totals = new Map<string, number>();
    for (const set of sets) for (const [member, score] of set) totals.set(member, (totals.get(member) ?? 0) + score);
    return topOf(totals, limit);
  }

  async luckiestClaims(from: string, to: string, limit: number): Promise<LuckyClaim[]> {
    assertLimit(limit);
    const days = daysBetween(from, to, MAX_STATS_DAYS.day);
    const sets = await this.source.scored(days.map(keys.statsLuck));
    return bestLuck(
      sets.flatMap((set, i) => set.map(([member, score]) => luckyClaimOf(days[i]!, member, score))),
      limit,
    );
  }

  async moneyTotals(): Promise<MoneyTotals> {
    const [hash] = await this.source.hashes([keys.statsMoney]);
    return moneyTotalsView(hash!);
  }
}
