import * as crypto from 'node:crypto';

/**
 * Namespace for Zan's deterministic (v5) ids: anyone can compute them from their parts, so they
 * name only what grants nothing (events, fundings, transfers); an id that grants something to
 * whoever knows it (a red packet) is an unguessableId (@zan/platform).
 */
export const ZAN_ID_NAMESPACE = '5f0c2f0e-2d43-4b8c-9d55-7a7a3d2b9a10';
const NAMESPACE_BYTES = Buffer.from(ZAN_ID_NAMESPACE.replace(/-/g, ''), 'hex');

/** SHA-1 in hex: Node's one-shot `crypto.hash` (20.12 and later) where there is one, a Hash object before. */
const sha1Hex: (data: Uint8Array) => string =
  typeof crypto.hash === 'function' ? (data) => crypto.hash('sha1', data, 'hex') : (data) => crypto.createHash('sha1').update(data).digest('hex');

/** The namespace's bytes followed by room for a name: reused by every id (ids are made synchronously, one at a time). */
const scratch = Buffer.allocUnsafe(2_048);
NAMESPACE_BYTES.copy(scratch);

/** The namespace's bytes and the name's UTF-8, in the scratch buffer when the name fits. */
const hashed = (name: string): Uint8Array => {
  // write() never splits a character: with 4 bytes to spare, nothing of the name was left out.
  const written = scratch.write(name, NAMESPACE_BYTES.length, 'utf8');
  if (NAMESPACE_BYTES.length + written <= scratch.length - 4) return scratch.subarray(0, NAMESPACE_BYTES.length + written);
  return Buffer.concat([NAMESPACE_BYTES, Buffer.from(name, 'utf8')]);
};

/**
 * UUID v5 (RFC 9562: SHA-1 of the namespace's bytes and the name's UTF-8), the same ids as the uuid
 * package's v5 (ids.spec.ts holds them equal), written out directly: uuid's v5 parses the namespace
 * and copies the name byte by byte on every call (1.8% of the api's CPU per tip), and a Hash object
 * per id cost 3-4% more than the one-shot hash (session 18's profile).
 */
const uuidV5 = (name: string): string => {
  const hex = sha1Hex(hashed(name));
  // The version (5) in the 13th digit, the variant (10xx) in the top bits of the 17th.
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
};

export const deterministicId = (...parts: string[]): string => uuidV5(parts.join('\n'));

/** The ids `deterministicId(...parts, String(index))` of a command's events, each made once however often it is asked for. */
export const deterministicIds = (...parts: string[]): ((index: number) => string) => {
  const ids: string[] = [];
  return (index) => (ids[index] ??= deterministicId(...parts, String(index)));
};
export const randomId = (): string => crypto.randomUUID();

/**
 * The command id of a request with an Idempotency-Key: the same (user, key, request) is the same
 * command, with the same ids, so a retry finds its first attempt's events. The request's hash (the
 * one its idempotency record keeps) is part of it: once the record is past its retention the key is
 * free again, and a new request under it must not find an older request's events as its own (it
 * was answered their 201, and nothing moved). Without a hash: the ids before that, which a retry
 * taken over from then still looks for (legacyEventIdsOf).
 */
export const idempotentCommandId = (userId: string, idempotencyKey: string, requestHash?: string): string =>
  requestHash === undefined ? deterministicId('command', userId, idempotencyKey) : deterministicId('command', userId, idempotencyKey, requestHash);

/** Random event ids, each index drawn the first time it is asked for and the same ever after. */
export const drawnOnce = (): ((index: number) => string) => {
  const ids: string[] = [];
  return (index) => (ids[index] ??= randomId());
};
