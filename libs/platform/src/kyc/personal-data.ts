import { createHmac } from 'node:crypto';
import { normalizeName } from '@zan/contracts';

/** Names are normalized and masked as the contracts say (the events carry masked names). */
export { maskName, normalizeName } from '@zan/contracts';

/** ID numbers compare upper-case (a resident ID's x is X). */
export const normalizeNumber = (number: string): string => number.trim().toUpperCase();

/** HMAC-SHA256 (hex) of a labelled value under the install's hash key: comparable, not reversible without the key. */
export const keyedHash = (key: Buffer, label: 'name' | 'number', value: string): string =>
  createHmac('sha256', key)
    .update(`${label}:${label === 'name' ? normalizeName(value) : normalizeNumber(value)}`)
    .digest('hex');
