/**
 * Global positions outgrow 2^53, so the read models keep them as canonical decimal strings
 * (no leading zeros) and never as doubles: not in Lua, not in a sorted-set score.
 */

/** Orders two canonical decimal strings numerically: a longer one is larger, equal lengths compare by digit. */
export const comparePositions = (a: string, b: string): number => {
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
};

/** Width of a position in a feed member: parsePosition (contracts) accepts at most 31 digits. */
export const POSITION_WIDTH = 32;

/** A fixed-width position whose byte order is its numeric order (the feed's lexicographic sorted sets). */
export const padPosition = (position: bigint): string => {
  if (position < 0n) throw new RangeError(`negative position ${position}`);
  const digits = position.toString(10);
  if (digits.length > POSITION_WIDTH) throw new RangeError(`position ${digits} is wider than ${POSITION_WIDTH} digits`);
  return digits.padStart(POSITION_WIDTH, '0');
};

/**
 * Redis orders sorted-set members by their UTF-8 bytes; JavaScript's `<` orders UTF-16 code units.
 * They differ only between astral characters and U+E000..U+FFFF, which this shifts into code point order.
 */
export const compareBytes = (a: string, b: string): number => {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
};

const codePointRank = (unit: number): number => (unit < 0xd800 ? unit : unit < 0xe000 ? unit + 0x2000 : unit - 0x800);

/**
 * The Lua twin of comparePositions, written byte by byte so no locale collation is involved.
 * Kept apart so an integration spec can check it against the TypeScript one on a real Redis.
 */
export const LUA_POSITION_BEFORE = `
local function position_before(a, b)
  if #a ~= #b then return #a < #b end
  for i = 1, #a do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x < y end
  end
  return false
end
`;
