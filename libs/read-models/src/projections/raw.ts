/** A hash as both stores return it: field -> string value, {} when the key does not exist. */
export type RawHash = Record<string, string>;

export const intField = (hash: RawHash, field: string): number => {
  const text = hash[field];
  return text === undefined ? 0 : Number(text);
};
