import { keys } from '../keys';
import { compareLeaderboardEntries, earningsView, encodeFeedCursor, feedCursorBound, feedItemOf, redPacketView, walletView } from '../projections';
import { assertLimit } from '../read-model-store.port';
import type { EarningsView, FeedPage, FeedQuery, LeaderboardEntry, RedPacketView, WalletView } from '../views';
import type { Keyspace } from './keyspace';
import type { ReadModelScripts } from './scripts';
import type { RedisClient } from './client';
import { shards } from './shards';

/** The views read from the generation `active()` names. */
export class ReadModelQueries {
  constructor(
    private readonly redis: RedisClient,
    private readonly keyspace: Keyspace,
    private readonly scripts: ReadModelScripts,
    private readonly active: () => Promise<string>,
  ) {}

  async wallet(userId: string): Promise<WalletView | undefined> {
    return walletView(userId, await this.redis.hgetall(await this.key(keys.wallet(userId))));
  }

  async earnings(authorId: string): Promise<EarningsView> {
    return earningsView(authorId, await this.redis.hgetall(await this.key(keys.earnings(authorId))));
  }

  /**
   * Each shard's top `limit` (an author is ranked in one shard, beside their earnings: see Shards),
   * merged: the top of the whole is within the union of the shards' tops.
   */
  async leaderboard(limit: number): Promise<LeaderboardEntry[]> {
    assertLimit(limit);
    const generation = await this.active();
    const tops = await Promise.all(
      shards.tags.map((_, shard) =>
        this.scripts.leaderboard(
          this.keyspace.key(generation, shards.in(shard, keys.authorLeaderboard)),
          limit,
          this.keyspace.key(generation, shards.in(shard, keys.earnings(''))),
        ),
      ),
    );
    const entries: LeaderboardEntry[] = [];
    for (const flat of tops) {
      for (let i = 0; i < flat.length; i += 3) entries.push({ authorId: flat[i]!, total: Number(flat[i + 1]), tips: Number(flat[i + 2]) });
    }
    return entries.sort(compareLeaderboardEntries).slice(0, limit);
  }

  async redPacket(redPacketId: string): Promise<RedPacketView | undefined> {
    const generation = await this.active();
    const results = await this.redis
      .multi()
      .hgetall(this.keyspace.key(generation, shards.entity(keys.redPacket(redPacketId))))
      .zrange(this.keyspace.key(generation, shards.entity(keys.redPacketClaims(redPacketId))), 0, -1)
      .exec();
    const [[hashError, hash], [claimsError, claims]] = results ?? [];
    const failure = hashError ?? claimsError;
    if (failure) throw failure;
    return redPacketView(redPacketId, hash as Record<string, string>, claims as string[]);
  }

  async feed(userId: string, { limit, before }: FeedQuery): Promise<FeedPage> {
    assertLimit(limit);
    const max = before === undefined ? '+' : `(${feedCursorBound(before)}`;
    const members = await this.redis.zrange(await this.key(keys.feed(userId)), max, '-', 'BYLEX', 'REV', 'LIMIT', 0, limit + 1);
    const page = members.slice(0, limit);
    return {
      items: page.map(feedItemOf),
      ...(members.length > limit ? { nextCursor: encodeFeedCursor(page[page.length - 1]!) } : {}),
    };
  }

  private async key(logical: string): Promise<string> {
    return this.keyspace.key(await this.active(), shards.entity(logical));
  }
}
