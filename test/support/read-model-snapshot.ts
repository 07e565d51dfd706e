import { eventCategory, streamCategory, type StoredEvent } from '@zan/contracts';
import {
  MemoryReadModelStore,
  type EarningsView,
  type FeedItem,
  type LeaderboardEntry,
  type ReadModelStore,
  type RedPacketView,
  type WalletView,
} from '@zan/read-models';

/** Whose views to capture. */
export interface ReadModelIds {
  users: string[];
  authors?: string[];
  packets?: string[];
}

/** Everything a reader can see of these ids, keyed by id so a failing comparison reads well. */
export interface ReadModelSnapshot {
  watermark: bigint;
  wallets: Record<string, WalletView | null>;
  earnings: Record<string, EarningsView>;
  leaderboard: LeaderboardEntry[];
  packets: Record<string, RedPacketView | null>;
  /** Each user's whole feed, newest first, read page by page through the cursor. */
  feeds: Record<string, FeedItem[]>;
}

/**
 * Captures every view of a store: wallets, earnings, the leaderboard, red packets and feeds.
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
  return {
    watermark: await store.watermark(),
    wallets: await byId(ids.users, async (u) => (await store.wallet(u)) ?? null),
    earnings: await byId(ids.authors, (a) => store.earnings(a)),
    leaderboard: await store.leaderboard(options.leaderboardLimit ?? 1000),
    packets: await byId(ids.packets, async (p) => (await store.redPacket(p)) ?? null),
    feeds: await byId(ids.users, (u) => wholeFeed(store, u, options.feedPage ?? 50)),
  };
};

export const wholeFeed = async (store: ReadModelStore, userId: string, pageSize = 50): Promise<FeedItem[]> => {
  const items: FeedItem[] = [];
  let before: string | undefined;
  for (let pages = 0; pages < 100_000; pages++) {
    const page = await store.feed(userId, { limit: pageSize, before });
    items.push(...page.items);
    if (page.nextCursor === undefined) return items;
    before = page.nextCursor;
  }
  throw new Error(`the feed of ${userId} never ends`);
};

/** Every user, author and red packet the events name. */
export const idsOf = (events: StoredEvent[]): Required<ReadModelIds> => {
  const users = new Set<string>();
  const authors = new Set<string>();
  const packets = new Set<string>();
  for (const { data } of events) {
    const d = data as Record<string, unknown>;
    for (const field of ['userId', 'fromUserId', 'toUserId', 'readerId', 'authorId', 'senderId']) {
      if (typeof d[field] === 'string') users.add(d[field] as string);
    }
    if (typeof d.authorId === 'string') authors.add(d.authorId);
    if (typeof d.redPacketId === 'string') packets.add(d.redPacketId);
  }
  return { users: [...users], authors: [...authors], packets: [...packets] };
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
 * Waits until the system is quiet and projected: the event store's head has not moved for `quietMs`
 * (process managers have appended their credits) and the store's watermark has reached it.
 */
export const waitUntilProjected = async (
  events: { headPosition(): Promise<bigint | undefined> },
  store: Pick<ReadModelStore, 'watermark'>,
  options: { timeoutMs?: number; quietMs?: number } = {},
): Promise<bigint> => {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  const quietMs = options.quietMs ?? 500;
  let head = (await events.headPosition()) ?? 0n;
  let since = Date.now();
  for (;;) {
    const now = (await events.headPosition()) ?? 0n;
    if (now !== head) [head, since] = [now, Date.now()];
    const watermark = await store.watermark();
    if (watermark === head && Date.now() - since >= quietMs) return head;
    if (Date.now() > deadline) throw new Error(`not projected in time: head ${head}, watermark ${watermark}`);
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
): Promise<{ events: StoredEvent[]; ids: Required<ReadModelIds>; live: ReadModelSnapshot; replayed: ReadModelSnapshot }> => {
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
