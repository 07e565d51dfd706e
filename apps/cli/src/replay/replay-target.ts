import type { Change } from '@zan/read-models';

/** What a replay is: which projections, over which positions. Stored in its target with the checkpoint. */
export interface ReplaySpec {
  projections: string[];
  /** First position replayed (inclusive); undefined from the first event. */
  from?: bigint;
  /** Last position replayed (inclusive); fixed when the replay starts (the head, unless given). */
  to: bigint;
}

export interface ReplayCheckpoint {
  /** The last event applied; undefined before the first. */
  position?: bigint;
  events: number;
  done: boolean;
}

export interface ReplayState {
  spec: ReplaySpec;
  checkpoint: ReplayCheckpoint;
}

/**
 * Where a replay writes read models. The checkpoint lives in the target and moves with the changes
 * of each batch (atomically in Redis; with each save of a file), so a replay stopped anywhere, even
 * killed, resumes exactly after the last batch the target holds.
 */
export interface ReplayTarget {
  readonly description: string;
  /**
   * True when apply() may be called again before the previous call has finished, each one landing
   * in call order (one Redis connection runs its commands in order), so reading and projecting the
   * next batch overlaps writing this one.
   */
  readonly ordered: boolean;
  /** The replay this target holds, if any. */
  open(): Promise<ReplayState | undefined>;
  /** True when the target holds nothing at all (no replay, no other data). */
  isEmpty(): Promise<boolean>;
  /** Deletes everything the target holds. */
  reset(): Promise<void>;
  begin(spec: ReplaySpec): Promise<void>;
  /**
   * Writes a batch with its checkpoint, on top of the batch at `after` (the previous checkpoint's
   * position; undefined before the first batch). An ordered target refuses a batch whose
   * predecessor did not land, so its checkpoint never passes changes it does not hold.
   */
  apply(changes: Change[], checkpoint: ReplayCheckpoint, after?: bigint): Promise<void>;
  /** Makes the last applied batch durable (a file target saves; Redis already is). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export const REPLAY_FORMAT = 'zan-replay/1';

export const sameSpec = (a: ReplaySpec, b: Omit<ReplaySpec, 'to'> & { to?: bigint }): boolean =>
  [...a.projections].sort().join(',') === [...b.projections].sort().join(',') && a.from === b.from && (b.to === undefined || a.to === b.to);

export const describeSpec = (spec: Omit<ReplaySpec, 'to'> & { to?: bigint }): string =>
  `${spec.projections.join(',')} from ${spec.from ?? 'the first event'} to ${spec.to ?? 'the head'}`;
