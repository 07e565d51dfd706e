import { createHash, randomUUID } from 'node:crypto';

/**
 * Namespace for Zan's deterministic (v5) ids: anyone can compute them from their parts, so they
 * name only what grants nothing (events, fundings, transfers); an id that grants something to
 * whoever knows it (a red packet) is an unguessableId (@zan/platform).
 */
export const ZAN_ID_NAMESPACE = '5f0c2f0e-2d43-4b8c-9d55-7a7a3d2b9a10';
const NAMESPACE_BYTES = Buffer.from(ZAN_ID_NAMESPACE.replace(/-/g, ''), 'hex');
const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/**
 * UUID v5 (RFC 9562: SHA-1 of the namespace's bytes and the name's UTF-8), the same ids as the uuid
 * package's v5 (ids.spec.ts holds them equal), written out directly: uuid's v5 parses the namespace
 * and copies the name byte by byte on every call, 1.8% of the api's CPU per tip.
 */
const uuidV5 = (name: string): string => {
  const hash = createHash('sha1').update(NAMESPACE_BYTES).update(name, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  let id = '';
  for (let i = 0; i < 16; i++) {
    id += HEX[hash[i]!];
    if (i === 3 || i === 5 || i === 7 || i === 9) id += '-';
  }
  return id;
};

export const deterministicId = (...parts: string[]): string => uuidV5(parts.join('\n'));
export const randomId = (): string => randomUUID();

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
