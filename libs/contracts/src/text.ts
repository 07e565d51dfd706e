/** A UTF-16 surrogate without its pair: no Unicode scalar value, and no valid UTF-8 either. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** Unicode control characters (general category Cc): C0, DEL and C1. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001F\u007F-\u009F]/;

/** Text that no store keeps as given: a NUL (PostgreSQL text and jsonb refuse it) or a lone surrogate. */
export const isUnstorableText = (text: string): boolean => text.includes('\u0000') || LONE_SURROGATE.test(text);

/**
 * Free text (a note, a message, a greeting, a title, a name): 1..maxLength Unicode scalar values,
 * none of them a control character. Answers what is wrong, or undefined when the text is fine.
 */
export const freeTextProblem = (text: string, maxLength: number): string | undefined => {
  if (LONE_SURROGATE.test(text)) return 'must be Unicode text (it holds an unpaired surrogate)';
  if (CONTROL.test(text)) return 'must not hold control characters (U+0000..U+001F, U+007F..U+009F)';
  const length = [...text].length;
  if (length < 1 || length > maxLength) return `must be 1..${maxLength} characters`;
  return undefined;
};

/** An article's title: free text of at most this many characters (WeChat's editor allows 64). */
export const ARTICLE_TITLE_MAX_LENGTH = 64;
export const PRODUCT_TITLE_MAX_LENGTH = 64;
export const PRODUCT_DESCRIPTION_MAX_LENGTH = 500;
export const MERCHANT_NAME_MAX_LENGTH = 100;
export const REFUND_REASON_MAX_LENGTH = 200;

/** A payment code's `reference` (an invoice or bill number, a table, an order note): free text of at most this many characters. */
export const PAYMENT_REFERENCE_MAX_LENGTH = 100;

/** The same text for the same name however it was typed (composed form, no surrounding spaces). */
export const normalizeName = (name: string): string => name.normalize('NFC').trim();

/**
 * What the event log and every read model show of a name: its first character, then one `*` per
 * remaining character (张三丰 → 张**, a one-character name → *). Characters are Unicode scalars.
 * Masking a masked name changes nothing.
 */
export const maskName = (name: string): string => {
  const chars = [...normalizeName(name)];
  return chars.length <= 1 ? '*' : chars[0]! + '*'.repeat(chars.length - 1);
};
