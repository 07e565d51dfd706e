import { createHmac } from 'node:crypto';

/** The same text for the same name however it was typed (composed form, no surrounding spaces). */
export const normalizeName = (name: string): string => name.normalize('NFC').trim();

/** ID numbers compare upper-case (a resident ID's x is X). */
export const normalizeNumber = (number: string): string => number.trim().toUpperCase();

/**
 * What the event log and every read model show of a name: its first character, then one `*` per
 * remaining character (张三丰 → 张**, a one-character name → *). Characters are Unicode scalars.
 */
export const maskName = (name: string): string => {
  const chars = [...normalizeName(name)];
  return chars.length <= 1 ? '*' : chars[0]! + '*'.repeat(chars.length - 1);
};

/** HMAC-SHA256 (hex) of a labelled value under the install's hash key: comparable, not reversible without the key. */
export const keyedHash = (key: Buffer, label: 'name' | 'number', value: string): string =>
  createHmac('sha256', key)
    .update(`${label}:${label === 'name' ? normalizeName(value) : normalizeNumber(value)}`)
    .digest('hex');
