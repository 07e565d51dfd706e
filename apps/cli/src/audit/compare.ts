import { CURRENCY } from '@zan/contracts';
import {
  compareLeaderboardEntries,
  type EarningsView,
  type LeaderboardEntry,
  type ReadModelStore,
  type RedPacketView,
  type WalletView,
} from '@zan/read-models';
import type { Ledger, PacketTally } from './ledger';

/** The read models the audit reads: the query side of the store. */
export type ReadModels = Pick<ReadModelStore, 'wallet' | 'earnings' | 'redPacket' | 'leaderboard'>;

export type CheckedModel = 'watermark' | 'wallet' | 'earnings' | 'red-packet' | 'leaderboard';

export interface Difference {
  model: CheckedModel;
  id: string;
  /** From the events. */
  expected: unknown;
  /** In the read model. */
  actual: unknown;
}

export const LEADERBOARD_CHECKED = 20;

/** What the read models should say, from the ledger (the same views the API answers). */
export const expectedWallet = (ledger: Ledger, userId: string): WalletView | undefined => {
  const wallet = ledger.wallets.get(userId);
  return wallet?.kind ? { userId, kind: wallet.kind, balance: wallet.balance, currency: CURRENCY, verification: wallet.verification ?? 'none' } : undefined;
};

export const expectedEarnings = (ledger: Ledger, authorId: string): EarningsView => {
  const tally = ledger.earnings.get(authorId);
  const byArticle = [...(tally?.byArticle.entries() ?? [])].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return { authorId, total: tally?.total ?? 0, tips: tally?.tips ?? 0, byArticle: Object.fromEntries(byArticle) };
};

/** The fields of a packet the events fix (expiresAt, mode and greeting are copied, not computed). */
const packetFacts = (view: Pick<RedPacketView, 'redPacketId' | 'senderId' | 'amount' | 'shares' | 'claimed' | 'remaining' | 'status'>) => ({
  redPacketId: view.redPacketId,
  senderId: view.senderId,
  amount: view.amount,
  shares: view.shares,
  claimed: view.claimed,
  remaining: view.remaining,
  status: view.status,
});

export const expectedPacket = (packet: PacketTally) =>
  packetFacts({
    redPacketId: packet.redPacketId,
    senderId: packet.senderId,
    amount: packet.amount,
    shares: packet.shares,
    claimed: packet.claims,
    remaining: packet.amount - packet.claimed - packet.returned,
    status: packet.expired ? 'expired' : packet.claims.length >= packet.shares ? 'exhausted' : 'open',
  });

export const expectedLeaderboard = (ledger: Ledger, limit = LEADERBOARD_CHECKED): LeaderboardEntry[] =>
  [...ledger.earnings.entries()]
    .map(([authorId, e]) => ({ authorId, total: e.total, tips: e.tips }))
    .sort(compareLeaderboardEntries)
    .slice(0, limit);

/** JSON with object keys sorted, so equal views compare equal whatever order their fields came in. */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as object).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  );

const same = (a: unknown, b: unknown): boolean => canonical(a) === canonical(b);

/** Runs `fn` over `items`, `concurrency` at a time (one Redis round trip each). */
const eachLimited = async <T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> => {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
};

export interface CompareScope {
  wallets: string[];
  authors: string[];
  packets: string[];
  leaderboard: boolean;
}

/** Everything the ledger knows of. */
export const fullScope = (ledger: Ledger): CompareScope => ({
  wallets: [...ledger.wallets.keys()],
  authors: [...ledger.earnings.keys()],
  packets: [...ledger.packets.keys()],
  leaderboard: true,
});

/** Only what differed, to check again once the read models have moved on. */
export const scopeOf = (differences: Difference[]): CompareScope => ({
  wallets: differences.filter((d) => d.model === 'wallet').map((d) => d.id),
  authors: differences.filter((d) => d.model === 'earnings').map((d) => d.id),
  packets: differences.filter((d) => d.model === 'red-packet').map((d) => d.id),
  leaderboard: differences.some((d) => d.model === 'leaderboard'),
});

/**
 * Compares the read models with what the events say, for every wallet, author and red packet of the
 * ledger and the top of the author leaderboard. Feeds are not compared (they are trimmed views).
 */
export const compareReadModels = async (ledger: Ledger, models: ReadModels, scope: CompareScope, concurrency = 32): Promise<Difference[]> => {
  const differences: Difference[] = [];
  await eachLimited(scope.wallets, concurrency, async (userId) => {
    const expected = expectedWallet(ledger, userId);
    const actual = await models.wallet(userId);
    if (!same(expected, actual)) differences.push({ model: 'wallet', id: userId, expected, actual });
  });
  await eachLimited(scope.authors, concurrency, async (authorId) => {
    const expected = expectedEarnings(ledger, authorId);
    const actual = await models.earnings(authorId);
    if (!same(expected, actual)) differences.push({ model: 'earnings', id: authorId, expected, actual });
  });
  await eachLimited(scope.packets, concurrency, async (redPacketId) => {
    const packet = ledger.packets.get(redPacketId);
    const expected = packet && expectedPacket(packet);
    const view = await models.redPacket(redPacketId);
    const actual = view && packetFacts(view);
    if (!same(expected, actual)) differences.push({ model: 'red-packet', id: redPacketId, expected, actual });
  });
  if (scope.leaderboard) {
    const expected = expectedLeaderboard(ledger);
    const actual = await models.leaderboard(LEADERBOARD_CHECKED);
    if (!same(expected, actual)) differences.push({ model: 'leaderboard', id: `top ${LEADERBOARD_CHECKED}`, expected, actual });
  }
  const order: CheckedModel[] = ['watermark', 'wallet', 'earnings', 'red-packet', 'leaderboard'];
  return differences.sort((a, b) => order.indexOf(a.model) - order.indexOf(b.model) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
};
