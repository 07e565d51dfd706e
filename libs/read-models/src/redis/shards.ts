import type { Change } from '../projection';
import { entityIdOf, placementOf } from '../keys';

/**
 * How many slot groups the read models spread over (a Redis Cluster can use this many primaries for
 * the projector's writes). Part of the key layout: changing it needs a rebuild.
 */
export const SHARDS = 16;

const SLOTS = 16384;

/** CRC16-CCITT (XMODEM) of each byte value: the table of Redis Cluster's key-slot hash. */
const CRC16_TABLE = Array.from({ length: 256 }, (_, byte) => {
  let crc = byte << 8;
  for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  return crc;
});

/** CRC16-CCITT (XMODEM), the hash of Redis Cluster's key slots, over the text's UTF-8 bytes. */
const crc16 = (text: string): number => {
  let crc = 0;
  for (const byte of Buffer.from(text, 'utf8')) crc = ((crc << 8) & 0xffff) ^ CRC16_TABLE[((crc >> 8) ^ byte) & 0xff]!;
  return crc;
};

/** Ids seen lately and their shard: an event names a few, and the same ones come back often. */
const SHARD_CACHE_SIZE = 100_000;

/** The slot Redis Cluster gives a key: its hash tag's (the first non-empty `{...}`), else the whole key's. */
export const slotOf = (key: string): number => {
  const open = key.indexOf('{');
  if (open >= 0) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) return crc16(key.slice(open + 1, close)) % SLOTS;
  }
  return crc16(key) % SLOTS;
};

/** A change whose key is placed: `{tag}:<logical key>`, and the shard it went to. */
export interface PlacedChange {
  shard: number;
  change: Change;
}

/**
 * The read models' slot groups. Every key an apply script writes carries its shard's hash tag, so one
 * script stays in one slot; the tags are chosen so the shards' slots are evenly spaced over the 16384
 * (any cluster's contiguous slot ranges then get their share). The watermark, its pending links, the
 * generation pointer and the rebuild lease share one more tag, the control slot.
 *
 * Where a logical key goes (keys.ts, `placements`): an entity's keys to the shard of its id, so a
 * wallet or a feed is one key on one node; a per-event aggregate (a day's stats) to the shard of the
 * event's stream, summed over every shard when read; a ranking (the leaderboard) by member, each
 * member in one shard, merged when read.
 */
export class Shards {
  readonly count = SHARDS;
  /** The hash tag of each shard, `{...}` included. */
  readonly tags: string[];
  readonly controlTag = '{zan-ctl}';

  constructor() {
    this.tags = Array.from({ length: SHARDS }, (_, shard) => {
      const low = Math.floor((shard * SLOTS) / SHARDS);
      const high = Math.floor(((shard + 1) * SLOTS) / SHARDS);
      for (let n = 0; ; n++) {
        const slot = crc16(`s${shard}-${n}`) % SLOTS;
        if (slot >= low && slot < high) return `{s${shard}-${n}}`;
      }
    });
  }

  private readonly shardOf = new Map<string, number>();

  /** The shard of an id (an entity's, a member's or a stream's). */
  of(id: string): number {
    let shard = this.shardOf.get(id);
    if (shard === undefined) {
      if (this.shardOf.size >= SHARD_CACHE_SIZE) this.shardOf.clear();
      shard = crc16(id) % SHARDS;
      this.shardOf.set(id, shard);
    }
    return shard;
  }

  /** `{tag}:<logical>`: the placed key in a shard. */
  in(shard: number, logical: string): string {
    return `${this.tags[shard]}:${logical}`;
  }

  /** The placed key of an entity key (placement 'entity'); the others live in every shard. */
  entity(logical: string): string {
    return this.in(this.of(entityIdOf(logical)), logical);
  }

  /** A logical key in every shard: what a read of a per-event aggregate or a ranking merges. */
  everywhere(logical: string): string[] {
    return this.tags.map((tag) => `${tag}:${logical}`);
  }

  /** The placed key of a key in the control slot. */
  control(logical: string): string {
    return `${this.controlTag}:${logical}`;
  }

  /** Where a single read of a logical key goes: its entity shard, or every shard to merge. */
  readsOf(logical: string): string[] {
    return placementOf(logical) === 'entity' ? [this.entity(logical)] : this.everywhere(logical);
  }

  /**
   * Places one event's changes: each to its key's shard (see the class). A trim of a ranking goes to
   * every shard the event added to that ranking in (to its home shard when none).
   */
  place(changes: readonly Change[], home: number): PlacedChange[] {
    const placed: PlacedChange[] = [];
    this.placeEach(changes, home, (shard, change) => placed.push({ shard, change: { ...change, key: this.in(shard, change.key) } }));
    return placed;
  }

  /** As place, without copying the changes: `each` gets the shard and the change with its logical key. */
  placeEach(changes: readonly Change[], home: number, each: (shard: number, change: Change) => void): void {
    let memberShards: Map<string, Set<number>> | undefined;
    for (const change of changes) {
      const placement = placementOf(change.key);
      if (placement === 'entity') {
        each(this.of(entityIdOf(change.key)), change);
      } else if (placement === 'event') {
        each(home, change);
      } else if (change.op === 'zadd' || change.op === 'zincrby') {
        const shard = this.of(change.member);
        memberShards ??= new Map();
        let shards = memberShards.get(change.key);
        if (!shards) memberShards.set(change.key, (shards = new Set()));
        shards.add(shard);
        each(shard, change);
      } else if (change.op === 'ztrim') {
        for (const shard of memberShards?.get(change.key) ?? [home]) each(shard, change);
      } else {
        throw new Error(`${change.op} ${change.key}: a ranking (placement 'member') takes zadd, zincrby and ztrim only`);
      }
    }
  }
}

/** The hash tag of a placed or physical key (`{...}` included), or the whole key when it has none. */
export const tagOf = (key: string): string => {
  const open = key.indexOf('{');
  const close = open >= 0 ? key.indexOf('}', open + 1) : -1;
  return close > open + 1 ? key.slice(open, close + 1) : key;
};

export const shards = new Shards();
