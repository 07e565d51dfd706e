import { createProjections, groupBuyView } from '../projections';
import type { Applied, ReadModelStatus, ReadModelStore, RevisionGap, Skipped } from '../read-model-store.port';
import { keys } from '../keys';
import type {
  ArticleView,
  EarningsView,
  FeedPage,
  FeedQuery,
  GroupBuyView,
  LeaderboardEntry,
  OrdersPage,
  PraisersPage,
  ProductView,
  RedPacketView,
  SalesDay,
  WalletView,
} from '../views';
import { ApplyScript } from './apply-script';
import { redisArticle, redisPraisers } from './article-queries';
import { RedisCommerceQueries } from './commerce-queries';
import { GenerationBuild } from './generation-build';
import { Generations } from './generations';
import { Keyspace } from './keyspace';
import { ReadModelQueries } from './queries';
import { defineScripts } from './scripts';
import { StatsReads } from '../stats/stats-reads';
import type { LuckyClaim, MoneyTotals, StatsBucket, StatsQuery, StatsRankEntry, StatsRankQuery } from '../stats/stats.views';
import { redisStatsSource } from './stats-source';
import { isCluster, openRedis, type RedisClient, waitForReplicas } from './client';
import { shards } from './shards';

export { GenerationBuild } from './generation-build';
export { GenerationLost, RebuildInProgress } from './generations';
export { INITIAL_GENERATION } from './keyspace';

export interface RedisReadModelStoreOptions {
  /**
   * A connection (left open by close()) or a URL (the store opens and closes its own): `redis://` one
   * node, `redis+cluster://host:port,host:port,...` the seed nodes of a Redis Cluster.
   */
  redis: RedisClient | string;
  /** Put before every key (default `zan:`); clear() deletes the read-model keys under it. */
  prefix?: string;
  /** Items kept per user feed (default 1000). */
  feedLength?: number;
  /**
   * How long a query trusts the active generation it read before reading it again (default 1000 ms).
   * Writes never trust it: the apply script refuses a stale one and the store retries.
   */
  generationCacheMs?: number;
}

export interface BeginRebuildOptions {
  /** The rebuild lease expires this long after its last renewal (default 30 s; renewed every third). */
  leaseMs?: number;
}

/**
 * The read models in Redis, one node or a Redis Cluster, with the same keys on both. Keys are spread
 * over slot groups (shards.ts) so that each Lua script stays in one hash slot: an event's changes
 * land in each shard together with that shard's dedupe record, then the watermark moves in the
 * control slot. A projector that crashes before committing its Kafka offset gets a redelivery that
 * changes nothing but what was missing (see ApplyScript).
 *
 * Data lives in generations, `<prefix><generation>:{<shard>}:<key>`. The pointer `<prefix>generation` names the
 * one queries read and the projector writes (`g0` until the first rebuild). A rebuild fills a new
 * generation beside it and switches the pointer atomically once the new one has caught up.
 *
 * The parts: keyspace.ts (key names), scripts.ts (the Lua), apply-script.ts (events in), queries.ts
 * (views out; article-queries.ts: an article and its praisers), generations.ts (pointer, lease, switch),
 * generation-build.ts (a rebuild's generation).
 */
export class RedisReadModelStore implements ReadModelStore {
  readonly prefix: string;
  private readonly redis: RedisClient;
  private readonly ownsConnection: boolean;
  private readonly keyspace: Keyspace;
  private readonly scripts: ReturnType<typeof defineScripts>;
  private readonly generations: Generations;
  private readonly writer: ApplyScript;
  private readonly queries: ReadModelQueries;
  private readonly commerce: RedisCommerceQueries;
  private readonly statsReads: StatsReads;

  constructor(options: RedisReadModelStoreOptions) {
    this.ownsConnection = typeof options.redis === 'string';
    // openRedis sets a socket timeout of 10 s; Redis itself answers BUSY once a script runs past 5 s,
    // so no live command waits that long.
    this.redis = typeof options.redis === 'string' ? openRedis(options.redis) : options.redis;
    // Its own connection: a lost connection fails the calls in flight, which say so, and ioredis
    // reconnects on its own; without a listener it prints each attempt as an unhandled stack trace.
    if (this.ownsConnection) this.redis.on('error', () => undefined);
    // ioredis would prefix KEYS but not the key prefix the leaderboard script builds, nor SCAN patterns.
    if ((this.redis.options as { keyPrefix?: string }).keyPrefix) throw new Error('use the store prefix option, not ioredis keyPrefix');
    this.prefix = options.prefix ?? 'zan:';
    this.keyspace = new Keyspace(this.prefix);
    this.scripts = defineScripts(this.redis);
    this.generations = new Generations(this.redis, this.keyspace, this.scripts, options.generationCacheMs ?? 1000);
    const redis = this.redis;
    this.writer = new ApplyScript(
      this.keyspace,
      this.scripts,
      createProjections({ feedLength: options.feedLength }),
      !isCluster(redis),
      (channel) => {
        redis.publish(channel, '').catch(() => undefined);
      },
      isCluster(redis) ? () => waitForReplicas(redis) : undefined,
    );
    this.commerce = new RedisCommerceQueries(this.redis);
    this.queries = new ReadModelQueries(this.redis, this.keyspace, this.scripts, () => this.generations.active());
    this.statsReads = new StatsReads(
      redisStatsSource(this.redis, async () => {
        const generation = await this.generations.active();
        return (logical: string) => shards.readsOf(logical).map((placed) => this.keyspace.key(generation, placed));
      }),
    );
  }

  async apply(delivery: Applied): Promise<boolean> {
    return (await this.writer.write(this.generations.live, [this.writer.appliedEntry(delivery)]))[0]!;
  }

  /**
   * Each event is still its own atomic step, applied in the given order, many per round trip. When
   * one fails, the call throws: events before it may stay applied (a retry skips them), none after it is.
   */
  async applyMany(deliveries: Applied[]): Promise<boolean[]> {
    return this.writer.write(
      this.generations.live,
      deliveries.map((d) => this.writer.appliedEntry(d)),
    );
  }

  async skip(skipped: Skipped): Promise<boolean> {
    return (await this.writer.write(this.generations.live, [this.writer.skippedEntry(skipped)]))[0]!;
  }

  /**
   * One subscriber connection per call (the api makes one per process), on `<prefix>watermark-moved`,
   * published to after every live write that applied something (by the apply script on one Redis). Pub/sub is at most once: a waiter
   * also re-reads now and then (ReadYourWrites), so a lost message only delays it.
   */
  async onWatermarkMoved(moved: () => void): Promise<() => Promise<void>> {
    const subscriber = this.redis.duplicate();
    subscriber.on('message', () => moved());
    // After a reconnection ioredis subscribes again; what was published meanwhile is lost: re-read.
    subscriber.on('ready', () => moved());
    subscriber.on('error', () => undefined);
    try {
      await subscriber.subscribe(this.keyspace.watermarkChannel());
    } catch (error) {
      // Closed, or it would reconnect for good, unused: a caller asks again with a new one (ReadYourWrites
      // does on its next wait), and every failed attempt left a connection behind.
      subscriber.disconnect();
      throw error;
    }
    return async () => {
      await subscriber.quit().catch(() => subscriber.disconnect());
    };
  }

  onRevisionGap(told: (gap: RevisionGap) => void): () => void {
    const listener = (gap: RevisionGap) => told(gap);
    this.writer.gapListeners.add(listener);
    return () => this.writer.gapListeners.delete(listener);
  }

  async watermark(): Promise<bigint> {
    return this.generations.watermarkOf(await this.generations.active());
  }

  /** Zan v1 kept its watermark and counters at `<prefix>g0:watermark` and `g0:stats` (no slot tag); a rebuild deletes them with v1's generation. */
  async holdsOnlyZanV1(): Promise<boolean> {
    if ((await this.generations.watermarkOf(await this.generations.active())) !== 0n) return false;
    const v1 = [`${this.prefix}g0:watermark`, `${this.prefix}g0:stats`];
    // One key per call: on a Redis Cluster they are in different slots.
    for (const key of v1) if ((await this.redis.exists(key)) === 1) return true;
    return false;
  }

  async status(): Promise<ReadModelStatus> {
    const generation = await this.generations.active(true);
    const building = await this.generations.building();
    const live = await this.generations.statusOf(generation);
    const status: ReadModelStatus = { generation, ...live };
    if (building && building !== generation) {
      const { watermark, applied, skipped } = await this.generations.statusOf(building);
      status.rebuilding = { generation: building, watermark, applied, skipped };
    }
    return status;
  }

  wallet(userId: string): Promise<WalletView | undefined> {
    return this.queries.wallet(userId);
  }

  earnings(authorId: string): Promise<EarningsView> {
    return this.queries.earnings(authorId);
  }

  leaderboard(limit: number): Promise<LeaderboardEntry[]> {
    return this.queries.leaderboard(limit);
  }

  redPacket(redPacketId: string): Promise<RedPacketView | undefined> {
    return this.queries.redPacket(redPacketId);
  }

  feed(userId: string, query: FeedQuery): Promise<FeedPage> {
    return this.queries.feed(userId, query);
  }

  async article(articleId: string, viewerId?: string): Promise<ArticleView | undefined> {
    const generation = await this.generations.active();
    return redisArticle(this.redis, this.keyOf(generation), articleId, viewerId);
  }

  async praisers(articleId: string, query: FeedQuery): Promise<PraisersPage> {
    const generation = await this.generations.active();
    return redisPraisers(this.redis, this.keyOf(generation), articleId, query);
  }

  async product(productId: string): Promise<ProductView | undefined> {
    const generation = await this.generations.active();
    return this.commerce.product(this.keyOf(generation), productId);
  }

  async orders(of: { buyerId: string } | { merchantId: string }, query: FeedQuery): Promise<OrdersPage> {
    const generation = await this.generations.active();
    const list = 'buyerId' in of ? keys.buyerOrders(of.buyerId) : keys.merchantOrders(of.merchantId);
    return this.commerce.orders(this.keyOf(generation), list, query);
  }

  async groupBuy(groupBuyId: string): Promise<GroupBuyView | undefined> {
    const generation = await this.generations.active();
    return groupBuyView(groupBuyId, await this.redis.hgetall(this.keyOf(generation)(keys.groupBuy(groupBuyId))));
  }

  async sales(merchantId: string, from: string, to: string): Promise<SalesDay[]> {
    const generation = await this.generations.active();
    return this.commerce.sales(this.keyOf(generation), merchantId, from, to);
  }

  stats(query: StatsQuery): Promise<StatsBucket[]> {
    return this.statsReads.stats(query);
  }

  statsTop(query: StatsRankQuery): Promise<StatsRankEntry[]> {
    return this.statsReads.statsTop(query);
  }

  luckiestClaims(from: string, to: string, limit: number): Promise<LuckyClaim[]> {
    return this.statsReads.luckiestClaims(from, to, limit);
  }

  moneyTotals(): Promise<MoneyTotals> {
    return this.statsReads.moneyTotals();
  }

  /** Every generation, the pointer, the sequence and the rebuild lease; other keys under the prefix stay. */
  clear(): Promise<void> {
    return this.generations.clear();
  }

  async close(): Promise<void> {
    if (this.ownsConnection) await this.redis.quit();
  }

  /** An entity's logical key -> its Redis key in a generation. */
  private keyOf(generation: string): (logical: string) => string {
    return (logical) => this.keyspace.key(generation, shards.entity(logical));
  }

  /** The generation queries read; `fresh` skips the cache. */
  generation(fresh = false): Promise<string> {
    return this.generations.active(fresh);
  }

  /**
   * Starts filling a new, empty generation (see GenerationBuild). Takes the rebuild lease, so one
   * rebuild runs at a time, and deletes what earlier rebuilds that died left behind.
   */
  async beginRebuild(options: BeginRebuildOptions = {}): Promise<GenerationBuild> {
    const leaseMs = options.leaseMs ?? 30_000;
    const generation = await this.generations.begin(leaseMs);
    const { keyspace, scripts, generations, writer } = this;
    return new GenerationBuild({ generation, leaseMs, keyspace, scripts, generations, writer, oneNode: !isCluster(this.redis) });
  }
}
