import type { StoredEvent } from '@zan/contracts';
import type { PlannedAppend } from './history';

/** A planned history as the store would give it back: revisions per stream, positions 1, 2, 3... */
export const asStored = (planned: PlannedAppend[], firstPosition = 1n): StoredEvent[] => {
  const revisions = new Map<string, number>();
  return planned.map(({ streamId, event }, i) => {
    const revision = (revisions.get(streamId) ?? -1) + 1;
    revisions.set(streamId, revision);
    return {
      id: event.id,
      type: event.type,
      version: event.version ?? 1,
      streamId,
      revision,
      position: firstPosition + BigInt(i),
      occurredAt: event.occurredAt,
      data: event.data,
      metadata: event.metadata,
    };
  });
};
