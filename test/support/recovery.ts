import { createHash } from 'node:crypto';
import { idempotentCommandId } from '../../apps/api/src/command-path/ids';
import type { CommandContext } from '../../apps/api/src/command-path/command-context';
import { canonical } from '../../apps/api/src/idempotency/idempotency.interceptor';

/**
 * The context a command runs in when a retry takes its key over as a recovery (the key's record lost
 * its answer, or its attempt died): the request's own command id, from its key and request hash, so
 * that the command finds what an earlier attempt stored. For specs that execute the command directly.
 */
export const recoveringContext = (userId: string, key: string, path: string, body: unknown): CommandContext => ({
  userId,
  correlationId: `recovery-${key}`,
  commandId: idempotentCommandId(userId, key, requestHashOf(path, body)),
  idempotency: { key, recovering: true },
});

/**
 * The hash the api keeps of a POST to `path` with `body`, for a body without personal fields (those are
 * hashed keyed): no body and `{}` hash alike, as null.
 */
export const requestHashOf = (path: string, body: unknown): string => {
  const empty = body === undefined || (typeof body === 'object' && body !== null && !Array.isArray(body) && Object.keys(body).length === 0);
  return createHash('sha256')
    .update(`POST\n${path}\n${canonical(empty ? null : body)}`)
    .digest('hex');
};
