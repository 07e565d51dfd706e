/** What waits in a lane: settled by the batch it is taken in. */
export interface Waiting {
  /** A recovering command looks for its earlier outcome first: it goes alone. */
  recovering?: boolean;
  reject: (error: unknown) => void;
}

/**
 * One lane per stream in this process: what is queued on a stream is taken in order, in batches of
 * what waited together (at most `maxBatch`), one batch at a time, so commands on one stream never
 * race each other here (a single writer per stream, as hot red packets need). A batch that fails as
 * a whole rejects everything in it.
 */
export class StreamLanes<T extends Waiting> {
  private readonly lanes = new Map<string, T[]>();

  constructor(
    private readonly runBatch: (batch: T[]) => Promise<void>,
    private readonly maxBatch = 200,
  ) {}

  push(streamId: string, waiting: T): void {
    let lane = this.lanes.get(streamId);
    if (!lane) {
      lane = [];
      this.lanes.set(streamId, lane);
      void this.drain(streamId, lane);
    }
    lane.push(waiting);
  }

  private async drain(streamId: string, lane: T[]): Promise<void> {
    // Let the commands that arrive in the same turn join the first batch.
    await Promise.resolve();
    while (lane.length > 0) {
      const batch = lane.splice(0, this.nextBatchSize(lane));
      await this.runBatch(batch).catch((error: unknown) => batch.forEach((waiting) => waiting.reject(error)));
    }
    this.lanes.delete(streamId);
  }

  /** Everything up to the next recovering command (which goes alone), at most maxBatch. */
  private nextBatchSize(lane: T[]): number {
    if (lane[0]!.recovering) return 1;
    const recovering = lane.findIndex((waiting) => waiting.recovering);
    return Math.min(this.maxBatch, recovering === -1 ? lane.length : recovering);
  }
}
