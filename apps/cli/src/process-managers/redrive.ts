import type { CheckpointStore, EventStore } from '@zan/event-store';
import { redriveRequestOf } from '@zan/event-store';
import { UsageError } from '../core/exit-codes';
import type { Moment } from '../core/options';
import { readEventPages } from '../core/read-events';

export interface RedriveRequest {
  /** The checkpoint before the request. */
  checkpoint?: bigint;
  /** Reactions run again for every event after this position. */
  after: bigint;
  /** A request that was still waiting and is replaced. */
  replaced?: bigint;
}

/**
 * Asks a process manager to react again to every event from a moment on: stores a re-drive request
 * beside its checkpoint, which its leader carries out (now if one runs, else when one starts) and
 * then deletes. Only backwards: a position past the checkpoint would skip reactions that never ran,
 * so it is refused unless `force`.
 */
export const requestRedrive = async (
  store: EventStore,
  checkpoints: CheckpointStore,
  checkpointName: string,
  from: Moment,
  options: { force?: boolean; signal?: AbortSignal } = {},
): Promise<RedriveRequest | undefined> => {
  const checkpoint = await checkpoints.load(checkpointName);
  if (checkpoint === undefined && !options.force) return undefined;
  const after = 'position' in from ? (from.position > 0n ? from.position - 1n : 0n) : await lastPositionBefore(store, from.time, options.signal);
  if (checkpoint !== undefined && after > checkpoint && !options.force) {
    throw new UsageError(
      `${checkpointName} is at position ${checkpoint}; re-driving after ${after} would move it forward past reactions that have not run (pass --force to skip them on purpose)`,
    );
  }
  const request = redriveRequestOf(checkpointName);
  const replaced = await checkpoints.load(request);
  await checkpoints.save(request, after);
  return { checkpoint, after, replaced };
};

/** Waits until the leader has carried the request out (deleted it); false when `timeoutMs` passed first. */
export const waitForRedrive = async (
  checkpoints: CheckpointStore,
  checkpointName: string,
  options: { timeoutMs: number; pollMs?: number; signal?: AbortSignal },
): Promise<boolean> => {
  const request = redriveRequestOf(checkpointName);
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    if ((await checkpoints.load(request)) === undefined) return true;
    if (Date.now() >= deadline || options.signal?.aborted) return false;
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 500));
  }
};

/** The position of the last event that occurred before `time` (0 when none did): reacting after it covers everything from `time` on. */
const lastPositionBefore = async (store: EventStore, time: Date, signal?: AbortSignal): Promise<bigint> => {
  let last = 0n;
  for await (const page of readEventPages(store, { signal })) {
    for (const event of page) {
      if (Date.parse(event.occurredAt) >= time.getTime()) return last;
      last = event.position;
    }
  }
  return last;
};
