import { streamCategory, type StoredEvent } from '@zan/contracts';
import type { Applied, ApplyTarget } from '../read-model-store.port';
import { RedisReadModelStore, type GenerationBuild, type RedisReadModelStoreOptions } from '../redis/redis-read-model-store';

/**
 * Where a rebuild reads history: the event store's readAll, in global order. The rebuild asks for
 * events without their metadata (`withoutMetadata`, which no projection reads): a source may leave it
 * out, so onSkip may see an event with empty metadata.
 */
export interface EventSource {
  readAll(options: { after?: bigint; maxCount?: number; withoutMetadata?: boolean }): Promise<StoredEvent[]>;
}

export interface RebuildFromEventStoreOptions {
  /** The live store, or the settings to open one (closed at the end). */
  store: RedisReadModelStore | RedisReadModelStoreOptions;
  source: EventSource;
  /** Events read per step (default 1000). */
  batchSize?: number;
  /**
   * Fields, members and dedupe records folded in memory before they are written (default 100,000,
   * some tens of MB): a key that many pages write costs one write per window (GenerationBuild.foldInOrder).
   */
  windowEntries?: number;
  /** After each step: events folded so far (written at the latest before the switch), and the position reached. */
  onProgress?(applied: number, position: bigint): void;
  /** An event no projection can apply: recorded as skipped, as the live projector does (default: logged). */
  onSkip?: (event: StoredEvent, error: unknown) => void;
  /** Longest wait for the live generation to be passed before giving up (default 60 s). */
  switchTimeoutMs?: number;
  /** Wait after the switch before the old generation is deleted: longer than any reader's generationCacheMs (default 5 s). */
  retireAfterMs?: number;
}

export interface RebuildResult {
  /** The generation now live. */
  generation: string;
  /** Events read from the source and applied (or skipped). */
  events: number;
  /** The watermark of the new generation when it went live. */
  position: bigint;
  /** Events recorded as skipped because they could not be applied. */
  skipped: number;
}

/** The category an event is published under, as the relay does: its stream's. */
const categoryOf = (event: Pick<StoredEvent, 'streamId'>): string => streamCategory(event.streamId);

export class RebuildTimeout extends Error {
  override readonly name = 'RebuildTimeout';
}

/**
 * Rebuilds every read model from the event store with zero downtime: replays history from position 0
 * into a new generation while the live one keeps answering queries and taking the projector's writes,
 * reads on until the new generation has applied everything the live one has, switches atomically,
 * then deletes the old generation. On failure the new generation is deleted and the live one stays.
 */
export const rebuildFromEventStore = async (options: RebuildFromEventStoreOptions): Promise<RebuildResult> => {
  const owned = !(options.store instanceof RedisReadModelStore);
  const store = options.store instanceof RedisReadModelStore ? options.store : new RedisReadModelStore(options.store);
  const batchSize = options.batchSize ?? 1000;
  try {
    const build = await store.beginRebuild();
    try {
      let after: bigint | undefined;
      let prevPosition = 0n;
      let events = 0;
      let skipped = 0;
      const onSkip = options.onSkip ?? logSkip;
      // One page read ahead while the one before is projected and folded; the folded window written
      // in the background (foldInOrder) while the next pages fold. One writer, in order.
      const read = (): Promise<StoredEvent[]> => {
        const reading = options.source.readAll({ after, maxCount: batchSize, withoutMetadata: true });
        reading.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
        return reading;
      };
      const readToEnd = async (): Promise<void> => {
        let next = read();
        for (;;) {
          const page = await next;
          if (page.length === 0) break;
          after = page[page.length - 1]!.position;
          next = read();
          const deliveries = page.map((event): Applied => {
            const delivery = { category: categoryOf(event), event, prevPosition };
            prevPosition = event.position;
            return delivery;
          });
          skipped += await build.foldInOrder(deliveries, onSkip, options.windowEntries);
          events += page.length;
          options.onProgress?.(events, after);
        }
        await build.flushInOrder();
      };
      await readToEnd();
      // The live projector may have applied events appended since: read them too, then try again.
      const deadline = Date.now() + (options.switchTimeoutMs ?? 60_000);
      while (!(await build.trySwitch())) {
        if (Date.now() > deadline) throw new RebuildTimeout(`generation ${build.generation} did not catch up with the live one in time`);
        await new Promise((resolve) => setTimeout(resolve, 20));
        await readToEnd();
      }
      const position = await build.watermark();
      await build.finish({ retireAfterMs: options.retireAfterMs });
      return { generation: build.generation, events, position, skipped };
    } catch (error) {
      await build.abort().catch(() => undefined);
      throw error;
    }
  } finally {
    if (owned) await store.close();
  }
};

/**
 * Applies a batch; when it fails, applies its events one by one and records those no projection can
 * apply as skipped. An error that is not the event's fault (Redis unreachable, the lease lost) throws.
 * Returns how many were skipped.
 */
export const applyOrSkip = async (target: ApplyTarget, deliveries: Applied[], onSkip: (event: StoredEvent, error: unknown) => void): Promise<number> => {
  try {
    if (target.applyMany) await target.applyMany(deliveries);
    else for (const delivery of deliveries) await target.apply(delivery);
    return 0;
  } catch (error) {
    if (!isPoison(error)) throw error;
  }
  let skipped = 0;
  for (const delivery of deliveries) {
    try {
      await target.apply(delivery);
    } catch (error) {
      if (!isPoison(error)) throw error;
      const { category, event, prevPosition } = delivery;
      await target.skip({ category, streamId: event.streamId, revision: event.revision, position: event.position, prevPosition });
      onSkip(event, error);
      skipped++;
    }
  }
  return skipped;
};

/**
 * True when an apply failed because of the event itself (a projection or delivery that cannot be
 * applied, a script error reply), so trying again cannot help; false for connection trouble and the
 * like, which a later try can get past.
 */
export const isPoison = (error: unknown): boolean => {
  if (!(error instanceof Error)) return true;
  if (['GenerationLost', 'MaxRetriesPerRequestError', 'AbortError', 'ReplicasBehind'].includes(error.name)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && TRANSIENT_CODES.has(code)) return false;
  if (/Connection is closed|Stream isn't writeable|connect ETIMEDOUT|keeps changing/.test(error.message)) return false;
  // Replies Redis gives while it cannot serve writes for a while.
  if (error.name === 'ReplyError' && /^(LOADING|BUSY|READONLY|MASTERDOWN|OOM|TRYAGAIN|CLUSTERDOWN|NOSCRIPT)\b/.test(error.message)) return false;
  return true;
};

const TRANSIENT_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'NR_CLOSED']);

const logSkip = (event: StoredEvent, error: unknown): void => {
  console.warn(
    `[read-models] rebuild skipped event ${event.id} (${event.type} at ${event.position}): ${error instanceof Error ? error.message : String(error)}`,
  );
};

export type { GenerationBuild };
