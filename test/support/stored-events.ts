import { randomUUID } from 'node:crypto';

/**
 * An event as an app appends it (ids, metadata, occurredAt), for specs that write to a store
 * directly: an operator's hand, a fault, an event a reader does not expect. `version` only when set.
 */
export const newEvent = (type: string, data: object, userId = 'operator-test', version?: number) => ({
  id: randomUUID(),
  type,
  ...(version !== undefined && { version }),
  data,
  metadata: { correlationId: randomUUID(), causationId: randomUUID(), userId },
  occurredAt: new Date().toISOString(),
});

/** A WalletFunded from the user's card. */
export const walletFunded = (userId: string, amount: number) =>
  newEvent('WalletFunded', { userId, fundingId: randomUUID(), amount, source: { kind: 'card', cardId: `card-${userId}` } });
