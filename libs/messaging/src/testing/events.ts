import { currentVersion, type StoredEvent } from '@zan/contracts';

/** Builds stored events in global order, one counter per stream, with the prevPosition chain the relay makes. */
export const eventLog = (startPosition = 1n) => {
  let position = startPosition - 1n;
  let prev = startPosition - 1n;
  const revisions = new Map<string, number>();
  const next = (streamId: string, type: string, data: Record<string, unknown>, version = currentVersion(type)) => {
    position += 1n;
    const revision = (revisions.get(streamId) ?? -1) + 1;
    revisions.set(streamId, revision);
    const event: StoredEvent = {
      id: `00000000-0000-4000-8000-${position.toString(16).padStart(12, '0')}`,
      type,
      version,
      streamId,
      revision,
      position,
      occurredAt: new Date(Date.UTC(2026, 0, 1, 0, 0, 0, Number(position))).toISOString(),
      data,
      metadata: { correlationId: `c-${position}`, causationId: `c-${position}`, userId: 'u-1' },
    };
    const outgoing = { event, prevPosition: prev };
    prev = position;
    return outgoing;
  };
  return { next };
};

export const walletFunded = (userId: string, amount = 100) => ({
  type: 'WalletFunded',
  data: { userId, fundingId: `f-${userId}-${amount}`, amount, source: { kind: 'card', cardId: 'card-1' } },
});
