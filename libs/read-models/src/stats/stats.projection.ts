import { walletBalanceDelta, type StoredEvent } from '@zan/contracts';
import { keys } from '../keys';
import type { Change, Projection } from '../projection';
import { beijingHourOf, beijingMinuteOf, type BeijingHour } from './beijing';
import { LUCK_BUCKETS, luckField, minuteField, type MoneyTotals, type StatsCounter } from './stats.views';

/** Luckiest claims kept per day. */
export const LUCKY_CLAIMS_PER_DAY = 10;

type Data = Record<string, unknown>;
const amountOf = (data: Data): number => data.amount as number;

/**
 * What each event adds to its day's and hour's counters (the extension point for new kinds of event,
 * with the counters in STATS_COUNTERS). Merchants' sales count when the money is the merchant's: an
 * order when it is paid (OrderPlaced, the day GET /v1/merchants/me/sales counts it), a group-buy
 * order and a payment by code when the merchant is credited (a code payment that lost the race for a
 * single-use code is returned, never credited); a refund when it is paid out (OrderRefunded).
 */
const COUNTERS_OF: Partial<Record<string, (data: Data) => [StatsCounter, number][]>> = {
  ArticleLiked: () => [['likes', 1]],
  ArticleUnliked: () => [['unlikes', 1]],
  TipPraised: (d) => [
    ['tips', 1],
    ['tipAmount', amountOf(d)],
  ],
  WalletFunded: (d) => [
    ['fundings', 1],
    ['fundingAmount', amountOf(d)],
  ],
  WalletWithdrawn: (d) => [
    ['withdrawals', 1],
    ['withdrawalAmount', amountOf(d)],
  ],
  FundsTransferred: (d) => [
    ['transfers', 1],
    ['transferAmount', amountOf(d)],
  ],
  RedPacketEscrowed: (d) => [
    ['redPackets', 1],
    ['redPacketAmount', amountOf(d)],
  ],
  RedPacketClaimed: (d) => [
    ['claims', 1],
    ['claimAmount', amountOf(d)],
  ],
  RedPacketExpired: (d) => [['redPacketRefundAmount', amountOf(d)]],
  OrderPlaced: (d) => [
    ['orders', 1],
    ['orderAmount', amountOf(d)],
  ],
  GroupBuyPaymentReceived: (d) => [
    ['groupBuyOrders', 1],
    ['groupBuyAmount', amountOf(d)],
  ],
  MerchantPaymentReceived: (d) => [
    ['codePayments', 1],
    ['codePaymentAmount', amountOf(d)],
  ],
  OrderRefunded: (d) => [
    ['refunds', 1],
    ['refundAmount', amountOf(d)],
  ],
};

/** What an event adds to its merchant's net sales of the day (the same events as the sales counters above). */
const SALES_OF: Partial<Record<string, (amount: number) => number>> = {
  OrderPlaced: (amount) => amount,
  GroupBuyPaymentReceived: (amount) => amount,
  MerchantPaymentReceived: (amount) => amount,
  OrderRefunded: (amount) => -amount,
};

/**
 * The money equation's terms. Debits put money in flight and their credit takes it out; a packet holds
 * its escrow until claimed or refunded. Every event's changes sum to zero across both sides, so the
 * figure is the read models' own books: a term that stays off (money in flight for long, held by
 * packets long expired) shows a credit that never came.
 */
const MONEY_OF: Partial<Record<string, (data: Data) => [keyof MoneyTotals, number][]>> = {
  WalletFunded: (d) => [['fundings', amountOf(d)]],
  WalletWithdrawn: (d) => [['withdrawals', amountOf(d)]],
  FundsTransferred: (d) => [['inFlight', amountOf(d)]],
  TransferReceived: (d) => [['inFlight', -amountOf(d)]],
  TipPraised: (d) => [['inFlight', amountOf(d)]],
  TipReceived: (d) => [['inFlight', -amountOf(d)]],
  RedPacketSent: (d) => [['inFlight', amountOf(d)]],
  RedPacketEscrowed: (d) => [
    ['inFlight', -amountOf(d)],
    ['held', amountOf(d)],
  ],
  RedPacketClaimed: (d) => [
    ['held', -amountOf(d)],
    ['inFlight', amountOf(d)],
  ],
  RedPacketShareReceived: (d) => [['inFlight', -amountOf(d)]],
  RedPacketExpired: (d) => [
    ['held', -amountOf(d)],
    ['inFlight', amountOf(d)],
  ],
  RedPacketRefunded: (d) => [['inFlight', -amountOf(d)]],
  // Commerce's payments: the buyer's debit until the merchant's credit, and back for a refund.
  OrderPlaced: (d) => [['inFlight', amountOf(d)]],
  OrderPaymentReceived: (d) => [['inFlight', -amountOf(d)]],
  OrderRefunded: (d) => [['inFlight', amountOf(d)]],
  OrderRefundReceived: (d) => [['inFlight', -amountOf(d)]],
  // Paying by code: the payer's debit until the merchant's credit, or its return to a payer who lost the race for a single-use code.
  MerchantPaid: (d) => [['inFlight', amountOf(d)]],
  MerchantPaymentReceived: (d) => [['inFlight', -amountOf(d)]],
  MerchantPaymentReturned: (d) => [['inFlight', -amountOf(d)]],
  // Group buys: a member's money is held until the group completes (paid to the merchant) or fails (returned).
  GroupBuyFundsHeld: (d) => [['held', amountOf(d)]],
  GroupBuyPaymentReceived: (d) => [['held', -amountOf(d)]],
  GroupBuyFundsReturned: (d) => [['held', -amountOf(d)]],
};

/**
 * What an event changes in the money equation's terms beyond wallet balances (exported for the spec
 * that checks every event type balances: a new payment without its entry here shows as money lost).
 */
export const moneyTermsOf = (type: string, data: Data): [keyof MoneyTotals, number][] => MONEY_OF[type]?.(data) ?? [];

/** Share ÷ the mean share left when it was claimed, in thousandths (the double-mean draw is uniform below twice that mean). */
export const luckPermille = (amount: number, remainingAmount: number, remainingShares: number): number => {
  const left = remainingAmount + amount;
  return left <= 0 ? 0 : Math.floor((amount * (remainingShares + 1) * 1000) / left);
};

/** An event's day and hour keys: the same texts for every event of one hour. */
interface HourKeys {
  day: string;
  hour: string;
  authors: string;
  articles: string;
  merchants: string;
  luck: string;
}

/** By hour (beijingHourOf's objects; emptied past as many as it keeps). */
const hourKeys = new Map<BeijingHour, HourKeys>();

const hourKeysOf = (hour: BeijingHour): HourKeys => {
  let known = hourKeys.get(hour);
  if (known !== undefined) return known;
  if (hourKeys.size >= 100_000) hourKeys.clear();
  known = {
    day: keys.statsDay(hour.day),
    hour: keys.statsHour(hour.hour),
    authors: keys.statsAuthors(hour.day),
    articles: keys.statsArticles(hour.day),
    merchants: keys.statsMerchants(hour.day),
    luck: keys.statsLuck(hour.day),
  };
  hourKeys.set(hour, known);
  return known;
};

/** minute:00 .. minute:59 */
const MINUTE_FIELDS = Array.from({ length: 60 }, (_, minute) => minuteField(String(minute).padStart(2, '0')));

/**
 * The dashboard's aggregates, per Beijing day (stats-day:<day>) and hour (stats-hour:<hour>, with
 * events per minute), top authors and articles per day (stats-authors:<day>, stats-articles:<day>,
 * scored by tips in fen), merchants per day by net sales (stats-merchants:<day>, in fen), the
 * luckiest claims per day (stats-luck:<day>) and the money equation (stats-money). Only increments and a trimmed set of fixed members: redeliveries are deduplicated
 * by the store, and any order of categories gives the same totals.
 */
export const statsProjection: Projection = {
  name: 'stats',
  project(event: StoredEvent): Change[] {
    const { day, hour, authors, articles, merchants, luck: luckKey } = hourKeysOf(beijingHourOf(event.occurredAt));
    const minute = MINUTE_FIELDS[beijingMinuteOf(event.occurredAt)]!;
    const changes: Change[] = [
      { op: 'hincrby', key: day, field: 'events', by: 1 },
      { op: 'hincrby', key: hour, field: 'events', by: 1 },
      { op: 'hincrby', key: hour, field: minute, by: 1 },
    ];
    const data = event.data as Data;
    for (const [field, by] of COUNTERS_OF[event.type]?.(data) ?? []) {
      changes.push({ op: 'hincrby', key: day, field, by }, { op: 'hincrby', key: hour, field, by });
    }
    if (event.streamId.startsWith('wallet-')) {
      const delta = walletBalanceDelta(event);
      if (delta !== 0) changes.push({ op: 'hincrby', key: keys.statsMoney, field: 'balances', by: delta });
    }
    for (const [field, by] of moneyTermsOf(event.type, data)) changes.push({ op: 'hincrby', key: keys.statsMoney, field, by });

    if (event.type === 'TipPraised') {
      const amount = amountOf(data);
      changes.push(
        { op: 'zincrby', key: authors, member: data.authorId as string, by: amount },
        { op: 'zincrby', key: articles, member: data.articleId as string, by: amount },
      );
    }
    const sale = SALES_OF[event.type];
    if (sale) changes.push({ op: 'zincrby', key: merchants, member: data.merchantId as string, by: sale(amountOf(data)) });
    if (event.type === 'RedPacketClaimed') {
      const amount = amountOf(data);
      const luck = luckPermille(amount, data.remainingAmount as number, data.remainingShares as number);
      changes.push(
        { op: 'hincrby', key: day, field: luckField(Math.min(LUCK_BUCKETS - 1, Math.floor(luck / 100))), by: 1 },
        { op: 'zadd', key: luckKey, score: luck, member: JSON.stringify([data.redPacketId, data.userId, amount]) },
        { op: 'ztrim', key: luckKey, keep: LUCKY_CLAIMS_PER_DAY },
      );
    }
    return changes;
  },
};
