import { compareBytes } from '../positions';

interface Entry {
  member: string;
  score: number;
}

/** A Redis sorted set in memory: ascending by score, then by member bytes, kept sorted on insert. */
export class SortedSet {
  private readonly scores = new Map<string, number>();
  private readonly entries: Entry[] = [];

  get size(): number {
    return this.entries.length;
  }

  add(member: string, score: number): void {
    const current = this.scores.get(member);
    if (current === score) return;
    if (current !== undefined) this.entries.splice(this.indexOf(member, current), 1);
    this.scores.set(member, score);
    this.entries.splice(this.lowerBound(member, score), 0, { member, score });
  }

  incrementBy(member: string, by: number): void {
    this.add(member, (this.scores.get(member) ?? 0) + by);
  }

  /** ZREMRANGEBYRANK 0 -(keep+1): drops the lowest-ranked members. */
  keepHighest(keep: number): void {
    const drop = this.entries.length - keep;
    if (drop <= 0) return;
    for (const { member } of this.entries.splice(0, drop)) this.scores.delete(member);
  }

  /** Members in ascending order. */
  members(): string[] {
    return this.entries.map((e) => e.member);
  }

  /** Highest scores first, ties in ascending member order: what a leaderboard wants, not what ZREVRANGE gives. */
  highest(limit: number): Entry[] {
    const result: Entry[] = [];
    let end = this.entries.length;
    while (end > 0 && result.length < limit) {
      let start = end - 1;
      while (start > 0 && this.entries[start - 1].score === this.entries[end - 1].score) start--;
      result.push(...this.entries.slice(start, Math.min(end, start + limit - result.length)));
      end = start;
    }
    return result;
  }

  /** ZRANGE key <bound> - BYLEX REV LIMIT 0 limit (bound exclusive, none: from the top); all scores equal. */
  lexDescendingBelow(bound: string | undefined, limit: number): string[] {
    let end = bound === undefined ? this.entries.length : this.lowerBound(bound, this.entries[0]?.score ?? 0);
    const result: string[] = [];
    while (end > 0 && result.length < limit) result.push(this.entries[--end].member);
    return result;
  }

  private indexOf(member: string, score: number): number {
    return this.lowerBound(member, score);
  }

  /** First index whose entry is not below (score, member). */
  private lowerBound(member: string, score: number): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const e = this.entries[mid];
      if (e.score < score || (e.score === score && compareBytes(e.member, member) < 0)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
