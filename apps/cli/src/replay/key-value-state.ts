import type { Change } from '@zan/read-models';

/** One key of a dump: a hash (fields sorted) or a sorted set (members in rank order, lowest first). */
export type DumpEntry = { key: string; hash: Record<string, string> } | { key: string; zset: [member: string, score: number][] };

/** Orders strings by their UTF-8 bytes, as Redis orders sorted-set members of equal score. */
export const compareUtf8 = (a: string, b: string): number => {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return rank(x) - rank(y);
  }
  return a.length - b.length;
};
// UTF-16 code units order like UTF-8 bytes except surrogates (astral) against U+E000..U+FFFF.
const rank = (unit: number): number => (unit < 0xd800 ? unit : unit < 0xe000 ? unit + 0x2000 : unit - 0x800);

/** A Redis sorted set: entries kept in rank order (score, then member bytes), so a trim is one splice. */
class SortedSet {
  private readonly scores = new Map<string, number>();
  private readonly ranked: { member: string; score: number }[] = [];

  add(member: string, score: number): void {
    const current = this.scores.get(member);
    if (current === score) return;
    if (current !== undefined) this.ranked.splice(this.lowerBound(member, current), 1);
    this.scores.set(member, score);
    this.ranked.splice(this.lowerBound(member, score), 0, { member, score });
  }

  incrementBy(member: string, by: number): void {
    this.add(member, (this.scores.get(member) ?? 0) + by);
  }

  /** ZREMRANGEBYRANK key 0 -(keep+1): drops the lowest-ranked members. */
  keepHighest(keep: number): void {
    const drop = this.ranked.length - keep;
    if (drop > 0) for (const { member } of this.ranked.splice(0, drop)) this.scores.delete(member);
  }

  entries(): [string, number][] {
    return this.ranked.map(({ member, score }) => [member, score]);
  }

  /** The first index whose entry does not rank below (score, member). */
  private lowerBound(member: string, score: number): number {
    let lo = 0;
    let hi = this.ranked.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const e = this.ranked[mid];
      if (e.score < score || (e.score === score && compareUtf8(e.member, member) < 0)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/**
 * Read-model keys in memory with Redis semantics, for replays into a file: the same changes give
 * the same content as in Redis.
 */
export class KeyValueState {
  private readonly hashes = new Map<string, Map<string, string>>();
  private readonly zsets = new Map<string, SortedSet>();

  apply(change: Change): void {
    switch (change.op) {
      case 'hset': {
        const hash = this.hash(change.key);
        for (const [field, value] of Object.entries(change.values)) hash.set(field, String(value));
        return;
      }
      case 'hincrby': {
        const hash = this.hash(change.key);
        hash.set(change.field, String(Number(hash.get(change.field) ?? 0) + change.by));
        return;
      }
      case 'zincrby':
        return this.zset(change.key).incrementBy(change.member, change.by);
      case 'zadd':
        return this.zset(change.key).add(change.member, change.score);
      case 'ztrim':
        return this.zset(change.key).keepHighest(change.keep);
    }
  }

  load(entry: DumpEntry): void {
    if ('hash' in entry) this.hashes.set(entry.key, new Map(Object.entries(entry.hash)));
    else for (const [member, score] of entry.zset) this.zset(entry.key).add(member, score);
  }

  /** Every key, sorted by key. */
  *dump(): Generator<DumpEntry> {
    const keys = [...new Set([...this.hashes.keys(), ...this.zsets.keys()])].sort(compareUtf8);
    for (const key of keys) {
      const hash = this.hashes.get(key);
      if (hash) yield { key, hash: Object.fromEntries([...hash.entries()].sort(([a], [b]) => compareUtf8(a, b))) };
      const zset = this.zsets.get(key);
      if (zset) {
        const entries = zset.entries();
        if (entries.length > 0) yield { key, zset: entries };
      }
    }
  }

  private hash(key: string): Map<string, string> {
    let hash = this.hashes.get(key);
    if (!hash) this.hashes.set(key, (hash = new Map<string, string>()));
    return hash;
  }

  private zset(key: string): SortedSet {
    let set = this.zsets.get(key);
    if (!set) this.zsets.set(key, (set = new SortedSet()));
    return set;
  }
}
