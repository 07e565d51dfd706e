/**
 * The envelope every stored event has (CONTRACT.md, "Events").
 * `position` is the global position: a bigint inside Zan, a decimal string on every wire.
 */
export interface EventMetadata {
  correlationId: string;
  causationId: string;
  userId: string;
  idempotencyKey?: string;
  /** W3C trace context of the span that recorded (or published) the event; only when tracing is on. */
  traceparent?: string;
  [key: string]: unknown;
}

export interface StoredEvent<Data = unknown> {
  id: string;
  type: string;
  /** Schema version of `data` after upcasting (the current version of the type). */
  version: number;
  streamId: string;
  revision: number;
  position: bigint;
  occurredAt: string;
  data: Data;
  metadata: EventMetadata;
}

/** An event ready to append: ids, time and metadata are decided by the caller, never by the store. */
export interface NewEvent<Data = unknown> {
  id: string;
  type: string;
  version?: number;
  data: Data;
  metadata: EventMetadata;
  occurredAt: string;
}

export const positionToString = (position: bigint): string => position.toString(10);

/** Parses a decimal position; undefined when the text is not one. */
export const parsePosition = (text: unknown): bigint | undefined => {
  if (typeof text !== 'string' || !/^(0|[1-9][0-9]{0,30})$/.test(text)) return undefined;
  return BigInt(text);
};

/** The JSON shape of an event (analysts' exports, HTTP, docs). */
export const eventToJson = (event: StoredEvent): Record<string, unknown> => ({
  id: event.id,
  type: event.type,
  version: event.version,
  streamId: event.streamId,
  revision: event.revision,
  position: positionToString(event.position),
  occurredAt: event.occurredAt,
  data: event.data,
  metadata: event.metadata,
});
