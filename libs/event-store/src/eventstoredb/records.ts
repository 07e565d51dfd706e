import { ANY, NO_STREAM, STREAM_EXISTS, type AppendStreamState, type EventData, type JSONType, type RecordedEvent } from '@kurrent/kurrentdb-client';
import { STREAM_CATEGORIES, currentVersion, upcast, type EventMetadata, type NewEvent, type StoredEvent } from '@zan/contracts';
import type { ExpectedRevision } from '../event-store.port';

/**
 * How a Zan event is kept in EventStoreDB. The event id, type and data (JSON) are the server's own
 * fields; everything else of the envelope lives in the event's metadata (JSON):
 *
 *   { "zan": { "version": 2, "occurredAt": "...", "appendId": "<uuid>" },
 *     "metadata": { correlationId, causationId, userId, ... },
 *     "$correlationId": "...", "$causationId": "..." }
 *
 * `appendId` is one random id per append call: reading it back tells a write of ours from the
 * server's idempotent answer to an earlier append of the same ids. `$correlationId` and
 * `$causationId` are copies for the server's own by-correlation projections.
 */
export interface ZanRecordMetadata {
  zan: { version: number; occurredAt: string; appendId: string };
  metadata: EventMetadata;
  $correlationId?: string;
  $causationId?: string;
}

/** Zan's stream prefixes: the only streams readAll, subscriptions and headPosition look at by default. */
export const ZAN_STREAM_PREFIXES: readonly string[] = STREAM_CATEGORIES.map((category) => `${category}-`);

export const toEventData = (event: NewEvent, appendId: string): EventData => {
  const metadata: ZanRecordMetadata = {
    zan: {
      version: event.version ?? currentVersion(event.type),
      occurredAt: new Date(event.occurredAt).toISOString(),
      appendId,
    },
    metadata: event.metadata,
    $correlationId: event.metadata.correlationId,
    $causationId: event.metadata.causationId,
  };
  return {
    id: event.id.toLowerCase(),
    contentType: 'application/json',
    type: event.type,
    // Any JSON value goes through the client's JSON.stringify; the cast only widens its type.
    data: event.data as JSONType,
    metadata: metadata as unknown as JSONType,
  };
};

/** A recorded event as Zan's StoredEvent (upcast to the current version), and the append it came from. */
export const fromRecorded = (recorded: RecordedEvent): { event: StoredEvent; appendId?: string } => {
  const position = recorded.position?.commit;
  if (position === undefined) {
    throw new Error(`EventStoreDB returned ${recorded.streamId}@${recorded.revision} without its position: stream reads carry positions from server 22.6 on`);
  }
  const zan = zanMetadataOf(recorded.metadata);
  // Events Zan did not write (none should be in its streams) read as version 1 at their server time.
  const current = upcast(recorded.type, zan?.zan.version ?? 1, dataOf(recorded));
  return {
    event: {
      id: recorded.id.toLowerCase(),
      type: recorded.type,
      version: current.version,
      streamId: recorded.streamId,
      revision: Number(recorded.revision),
      position,
      occurredAt: zan?.zan.occurredAt ?? recorded.created.toISOString(),
      data: current.data,
      metadata: zan?.metadata ?? ({} as EventMetadata),
    },
    appendId: zan?.zan.appendId,
  };
};

const dataOf = (recorded: RecordedEvent): unknown => {
  if (recorded.isJson) return recorded.data;
  const bytes = recorded.data as Uint8Array;
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    return Buffer.from(bytes).toString('base64');
  }
};

const zanMetadataOf = (metadata: unknown): ZanRecordMetadata | undefined => {
  if (typeof metadata !== 'object' || metadata === null || metadata instanceof Uint8Array) return undefined;
  const candidate = metadata as Partial<ZanRecordMetadata>;
  const zan = candidate.zan;
  if (typeof zan !== 'object' || zan === null || !Number.isInteger(zan.version) || typeof zan.occurredAt !== 'string') return undefined;
  if (typeof candidate.metadata !== 'object' || candidate.metadata === null) return undefined;
  return candidate as ZanRecordMetadata;
};

export const toStreamState = (expected: ExpectedRevision): AppendStreamState => {
  if (expected === 'no_stream' || expected === -1) return NO_STREAM;
  if (expected === 'stream_exists') return STREAM_EXISTS;
  if (expected === 'any') return ANY;
  return BigInt(expected);
};

/** The client reports the current revision as a bigint, or 'no_stream' (deleted streams as negatives). */
export const actualRevisionOf = (actual: bigint | 'no_stream' | undefined): number | 'no_stream' | 'unknown' => {
  if (actual === undefined) return 'unknown';
  if (actual === 'no_stream' || actual < 0n) return 'no_stream';
  return Number(actual);
};

/**
 * Zan's position is the commit position: every event appended outside an explicit (TCP-era)
 * transaction has commit position = prepare position = its own log position, so the pair is
 * rebuilt from one number. A read of $all from a position includes the event at it.
 */
export const toLogPosition = (position: bigint): { commit: bigint; prepare: bigint } => ({ commit: position, prepare: position });

/** The client's `esdb://` scheme still works but warns on every start; `kurrentdb://` is the same protocol. */
export const normaliseConnectionString = (url: string): string =>
  url.replace(/^esdb(\+discover)?:\/\//, (_, discover: string | undefined) => `kurrentdb${discover ?? ''}://`);
