/** One log of likes and unlikes shared by the states of an article's fold; a state sees its first `version` entries. */
interface LikeLog {
  /** userId -> indexes of that reader's entries, ascending. */
  byUser: Map<string, number[]>;
  /** Per entry: a like (true) or an unlike (false). */
  liked: boolean[];
}

/**
 * Who likes an article now, immutable from the caller's view. Folding a stream applies like after
 * like on the newest state: each appends to the shared log in O(1), so loading an article liked by
 * 100,000 readers is linear (copying a set per like made it quadratic). Changing an older state (a
 * cached state decided on again) first copies what that state sees, so it never sees a later like.
 * The same shape as the wallet's LinkedCards.
 */
export class Likers {
  private constructor(
    private readonly log: LikeLog,
    private readonly version: number,
    /** Readers whose like stands. */
    readonly size: number,
  ) {}

  static empty(): Likers {
    return new Likers({ byUser: new Map(), liked: [] }, 0, 0);
  }

  has(userId: string): boolean {
    const entries = this.log.byUser.get(userId);
    if (!entries) return false;
    // The reader's last entry this state sees: the last one, unless the log has grown past this state.
    let lo = 0;
    let hi = entries.length;
    if (entries[hi - 1]! < this.version) lo = hi;
    else {
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (entries[mid]! < this.version) lo = mid + 1;
        else hi = mid;
      }
    }
    return lo > 0 && this.log.liked[entries[lo - 1]!]!;
  }

  /** A new value with the reader's like standing (`liked`) or taken back; this one is unchanged. */
  with(userId: string, liked: boolean): Likers {
    if (this.has(userId) === liked) return this;
    const size = this.size + (liked ? 1 : -1);
    // The empty value is shared by every article (initialState): the first like starts a log of its own.
    if (this.version > 0 && this.version === this.log.liked.length) {
      append(this.log, userId, liked);
      return new Likers(this.log, this.version + 1, size);
    }
    const log: LikeLog = { byUser: new Map(), liked: [] };
    for (const [reader] of this.log.byUser) if (reader !== userId && this.has(reader)) append(log, reader, true);
    append(log, userId, liked);
    return new Likers(log, log.liked.length, size);
  }
}

const append = (log: LikeLog, userId: string, liked: boolean): void => {
  let entries = log.byUser.get(userId);
  if (!entries) log.byUser.set(userId, (entries = []));
  entries.push(log.liked.length);
  log.liked.push(liked);
};
