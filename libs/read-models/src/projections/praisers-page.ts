import type { Praiser, PraisersPage } from '../views';
import { encodeFeedCursor, feedCursorBound } from './feed.projection';
import { isStandingLike, parsePraiserMember } from './articles.projection';

/** Reads of the praisers set one page may make (each of up to max(limit + 1, 50) members). */
export const MAX_READS_PER_PAGE = 8;

/** Members strictly below `bound` (a member or a padded position; none: from the top), newest first. */
export type ReadPraisers = (bound: string | undefined, count: number) => Promise<string[]>;
/** The likes hash's values for these readers (undefined: no like recorded). */
export type ReadLikes = (userIds: string[]) => Promise<(string | undefined)[]>;

/**
 * One page of an article's praisers, newest first, for either store: members are read in chunks and
 * the likes taken back are passed over (see articlesProjection), so a page is full whenever older
 * items exist, unless it stopped after MAX_READS_PER_PAGE reads (short, maybe empty, with a cursor
 * where the scan stopped). The cursor names the last item shown; it is the feed's cursor (a position).
 * Throws InvalidFeedCursor for a cursor it did not issue.
 */
export const pagePraisers = async (limit: number, before: string | undefined, read: ReadPraisers, likes: ReadLikes): Promise<PraisersPage> => {
  let bound = before === undefined ? undefined : feedCursorBound(before);
  const shown: { member: string; praiser: Praiser }[] = [];
  const chunk = Math.max(limit + 1, 50);
  // Likes taken back leave their members behind: a reader who likes and unlikes again and again must
  // not make every page read all of them. Past this many reads the page ends where the scan stopped
  // (maybe short, maybe empty) with a cursor there, and the next page goes on from it.
  let reads = 0;
  /** A full chunk was read: older members may follow `bound`. */
  let more = true;
  while (more && shown.length <= limit && reads < MAX_READS_PER_PAGE) {
    reads++;
    const members = await read(bound, chunk);
    const parsed = members.map(parsePraiserMember);
    const likers = [...new Set(parsed.filter((p) => p.kind === 'like').map((p) => p.praiser.userId))];
    const values = likers.length > 0 ? await likes(likers) : [];
    const standing = new Map(likers.map((userId, i) => [userId, isStandingLike(values[i]) ? values[i] : undefined]));
    parsed.forEach(({ position, kind, praiser }, i) => {
      if (shown.length > limit) return;
      if (kind === 'tip' || standing.get(praiser.userId) === position) shown.push({ member: members[i]!, praiser });
    });
    more = members.length === chunk;
    if (more) bound = members[members.length - 1];
  }
  const page = shown.slice(0, limit);
  const next = shown.length > limit ? page[page.length - 1]!.member : more ? bound : undefined;
  return {
    items: page.map((entry) => entry.praiser),
    ...(next !== undefined ? { nextCursor: encodeFeedCursor(next) } : {}),
  };
};
