import { v4 as uuidv4, v5 as uuidv5 } from 'uuid';

/**
 * Namespace for Zan's deterministic (v5) ids: anyone can compute them from their parts, so they
 * name only what grants nothing (events, fundings, transfers); an id that grants something to
 * whoever knows it (a red packet) is an unguessableId (@zan/platform).
 */
export const ZAN_ID_NAMESPACE = '5f0c2f0e-2d43-4b8c-9d55-7a7a3d2b9a10';
export const deterministicId = (...parts: string[]): string => uuidv5(parts.join('\n'), ZAN_ID_NAMESPACE);
export const randomId = (): string => uuidv4();

/** The command id of a request with an Idempotency-Key: the same (user, key) is the same command, with the same ids. */
export const idempotentCommandId = (userId: string, idempotencyKey: string): string => deterministicId('command', userId, idempotencyKey);

/** Random event ids, each index drawn the first time it is asked for and the same ever after. */
export const drawnOnce = (): ((index: number) => string) => {
  const ids: string[] = [];
  return (index) => (ids[index] ??= randomId());
};
