import { streamCategory, streamEntityId, type StoredEvent } from '@zan/contracts';

export interface EventFilterSpec {
  /** Exact stream ids (wallet-alice). */
  streams?: string[];
  /** Stream categories: the prefix of the stream id before `-<id>` (wallet, red-packet). */
  categories?: string[];
  types?: string[];
  /** Users involved in the event, see eventUsers(). */
  users?: string[];
  /** occurredAt >= from. */
  from?: Date;
  /** occurredAt < to. */
  to?: Date;
}

/** Payload fields that name a user, besides any field ending in `UserId`. */
const USER_FIELDS = new Set(['userId', 'readerId', 'authorId', 'senderId', 'buyerId', 'merchantId', 'payerId']);

/**
 * The users an event involves: who acted (metadata.userId) and every user its payload names, at the
 * top level of `data`: `userId`, any field ending in `UserId` (fromUserId, toUserId), `readerId`,
 * `authorId`, `senderId`, `buyerId`, `merchantId`, `payerId`, and each member of `recipients`; and the
 * owner of the wallet whose stream holds it.
 */
export const eventUsers = (event: StoredEvent): Set<string> => {
  const users = new Set<string>();
  if (typeof event.metadata?.userId === 'string') users.add(event.metadata.userId);
  // The owner of the wallet whose stream holds it: a credit's metadata names the payer, not the payee.
  if (streamCategory(event.streamId) === 'wallet') users.add(streamEntityId(event.streamId));
  const data = event.data;
  if (data && typeof data === 'object') {
    for (const [field, value] of Object.entries(data as Record<string, unknown>)) {
      if ((USER_FIELDS.has(field) || field.endsWith('UserId')) && typeof value === 'string') users.add(value);
      if (field === 'recipients' && Array.isArray(value)) for (const r of value) if (typeof r === 'string') users.add(r);
    }
  }
  return users;
};

/** Every filter given must match (AND); the values of one repeatable filter are alternatives (OR). */
export const compileFilter = (spec: EventFilterSpec): ((event: StoredEvent) => boolean) => {
  const streams = spec.streams?.length ? new Set(spec.streams) : undefined;
  const prefixes = spec.categories?.length ? spec.categories.map((c) => `${c}-`) : undefined;
  const types = spec.types?.length ? new Set(spec.types) : undefined;
  const users = spec.users?.length ? spec.users : undefined;
  const from = spec.from?.getTime();
  const to = spec.to?.getTime();
  return (event) => {
    if (streams && !streams.has(event.streamId)) return false;
    if (prefixes && !prefixes.some((p) => event.streamId.startsWith(p))) return false;
    if (types && !types.has(event.type)) return false;
    if (from !== undefined || to !== undefined) {
      const at = Date.parse(event.occurredAt);
      if (from !== undefined && at < from) return false;
      if (to !== undefined && at >= to) return false;
    }
    if (users) {
      const involved = eventUsers(event);
      if (!users.some((u) => involved.has(u))) return false;
    }
    return true;
  };
};
