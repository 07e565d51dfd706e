import { positionToString } from '@zan/contracts';
import Redis, { type ChainableCommander } from 'ioredis';
import { keys } from '../keys';
import { projectAll, type Change, type Projection } from '../projection';
import {
  compareLeaderboardEntries,
  createProjections,
  earningsView,
  encodeFeedCursor,
  feedCursorBound,
  feedItemOf,
  redPacketView,
  walletView,
} from '../projections';
import { assertDelivery, assertLimit, type Applied, type ReadModelStore } from '../read-model-store.port';
import type { EarningsView, FeedPage, FeedQuery, LeaderboardEntry, RedPacketView, WalletView } from '../views';
import { APPLY_SCRIPT, LEADERBOARD_SCRIPT } from './scripts';

export interface RedisReadModelStoreOptions {
  /** A connection (left open by close()) or a URL (the store opens and closes its own). */
  redis: Redis | string;
  /** Put before every key (default `zan:`); clear() deletes exactly the keys under it. */
  prefix?: string;
  /** Items kept per user feed (default 1000). */
  feedLength?: number;
}

const APPLY = 'zanReadModelApply';
const LEADERBOARD = 'zanReadModelLeaderboard';

type ScriptCall<R> = (...args: (string | number)[]) => Promise<R>;
interface ReadModelCommands {
  [APPLY]: ScriptCall<number>;
  [LEADERBOARD]: ScriptCall<string[]>;
}

/** The first three keys of the apply script; change keys are numbered after them. */
const FIXED_KEYS = 3;

/**
 * The read models in Redis (a single node: one event's keys span hash slots). Each event is applied by
 * one Lua script, so its changes, its dedupe record and the watermark land together or not at all:
 * a projector that crashes before committing its Kafka offset gets a redelivery that changes nothing.
 */
export class RedisReadModelStore implements ReadModelStore {
  private readonly redis: Redis;
  private readonly ownsConnection: boolean;
  private readonly prefix: string;
  private readonly projections: Projection[];

  constructor(options: RedisReadModelStoreOptions) {
    this.ownsConnection = typeof options.redis === 'string';
    this.redis = typeof options.redis === 'string' ? new Redis(options.redis) : options.redis;
    // ioredis would prefix KEYS but not the key prefix the leaderboard script builds, nor SCAN patterns.
    if (this.redis.options.keyPrefix) throw new Error('use the store prefix option, not ioredis keyPrefix');
    this.prefix = options.prefix ?? 'zan:';
    this.projections = createProjections({ feedLength: options.feedLength });
    this.redis.defineCommand(APPLY, { lua: APPLY_SCRIPT });
    this.redis.defineCommand(LEADERBOARD, { lua: LEADERBOARD_SCRIPT, numberOfKeys: 1, readOnly: true });
  }

  async apply(delivery: Applied): Promise<boolean> {
    const args = this.applyArgs(delivery);
    return (await this.commands(this.redis)[APPLY](...args)) === 1;
  }

  /** Pipelined: one round trip, each event still its own atomic script, applied in the given order. */
  async applyMany(deliveries: Applied[]): Promise<boolean[]> {
    if (deliveries.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const delivery of deliveries) this.commands(pipeline)[APPLY](...this.applyArgs(delivery));
    const results = (await pipeline.exec()) ?? [];
    return results.map(([error, result]) => {
      if (error) throw error;
      return result === 1;
    });
  }

  async watermark(): Promise<bigint> {
    return BigInt((await this.redis.get(this.key(keys.watermark))) ?? '0');
  }

  async wallet(userId: string): Promise<WalletView | undefined> {
    return walletView(userId, await this.redis.hgetall(this.key(keys.wallet(userId))));
  }

  async earnings(authorId: string): Promise<EarningsView> {
    return earningsView(authorId, await this.redis.hgetall(this.key(keys.earnings(authorId))));
  }

  async leaderboard(limit: number): Promise<LeaderboardEntry[]> {
    assertLimit(limit);
    const flat = await this.commands(this.redis)[LEADERBOARD](this.key(keys.authorLeaderboard), limit, this.key(keys.earnings('')));
    const entries: LeaderboardEntry[] = [];
    for (let i = 0; i < flat.length; i += 3) {
      entries.push({ authorId: flat[i], total: Number(flat[i + 1]), tips: Number(flat[i + 2]) });
    }
    return entries.sort(compareLeaderboardEntries);
  }

  async redPacket(redPacketId: string): Promise<RedPacketView | undefined> {
    const results = await this.redis
      .multi()
      .hgetall(this.key(keys.redPacket(redPacketId)))
      .zrange(this.key(keys.redPacketClaims(redPacketId)), 0, -1)
      .exec();
    const [[hashError, hash], [claimsError, claims]] = results ?? [];
    if (hashError || claimsError) throw hashError ?? claimsError;
    return redPacketView(redPacketId, hash as Record<string, string>, claims as string[]);
  }

  async feed(userId: string, { limit, before }: FeedQuery): Promise<FeedPage> {
    assertLimit(limit);
    const max = before === undefined ? '+' : `(${feedCursorBound(before)}`;
    const members = await this.redis.zrange(this.key(keys.feed(userId)), max, '-', 'BYLEX', 'REV', 'LIMIT', 0, limit + 1);
    const page = members.slice(0, limit);
    return {
      items: page.map(feedItemOf),
      ...(members.length > limit ? { nextCursor: encodeFeedCursor(page[page.length - 1]) } : {}),
    };
  }

  async clear(): Promise<void> {
    const match = `${this.prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
    let cursor = '0';
    do {
      const [next, found] = await this.redis.scan(cursor, 'MATCH', match, 'COUNT', 1000);
      if (found.length > 0) await this.redis.unlink(...found);
      cursor = next;
    } while (cursor !== '0');
  }

  async close(): Promise<void> {
    if (this.ownsConnection) await this.redis.quit();
  }

  private key(logical: string): string {
    return this.prefix + logical;
  }

  private commands(target: Redis | ChainableCommander): ReadModelCommands {
    return target as unknown as ReadModelCommands;
  }

  /** numkeys, KEYS, ARGV of the apply script (see scripts.ts). */
  private applyArgs(delivery: Applied): (string | number)[] {
    assertDelivery(delivery);
    const { category, event, prevPosition } = delivery;
    const changeKeys: string[] = [];
    const indexOf = new Map<string, number>();
    const keyIndex = (logical: string): number => {
      let index = indexOf.get(logical);
      if (index === undefined) {
        changeKeys.push(this.key(logical));
        index = FIXED_KEYS + changeKeys.length;
        indexOf.set(logical, index);
      }
      return index;
    };
    const wire = projectAll(this.projections, event).map((change) => toWire(change, keyIndex(change.key)));
    const allKeys = [this.key(keys.applied(category)), this.key(keys.watermark), this.key(keys.watermarkPending), ...changeKeys];
    return [
      allKeys.length,
      ...allKeys,
      event.streamId,
      String(event.revision),
      positionToString(event.position),
      positionToString(prevPosition),
      JSON.stringify(wire),
    ];
  }
}

/** A change as the apply script reads it: [op, keyIndex, ...arguments], numbers as strings. */
const toWire = (change: Change, keyIndex: number): unknown[] => {
  switch (change.op) {
    case 'hset':
      return ['hset', keyIndex, Object.entries(change.values).flatMap(([field, value]) => [field, String(value)])];
    case 'hincrby':
      return ['hincrby', keyIndex, change.field, String(change.by)];
    case 'zincrby':
      return ['zincrby', keyIndex, change.member, String(change.by)];
    case 'zadd':
      return ['zadd', keyIndex, change.member, String(change.score)];
    case 'ztrim':
      return ['ztrim', keyIndex, String(change.keep)];
  }
};
