/**
 * Stored events as Kafka messages: CloudEvents 1.0 in binary content mode (CONTRACT.md, "Kafka").
 * Pure functions, shared by every adapter, so the embedded bus carries exactly what Kafka carries.
 */
import { currentVersion, isZanEventType, parsePosition, positionToString, streamCategory, upcast, type EventMetadata, type StoredEvent } from '@zan/contracts';

export const CE_SPEC_VERSION = '1.0';
export const JSON_CONTENT_TYPE = 'application/json';

export const HEADER = {
  specVersion: 'ce_specversion',
  id: 'ce_id',
  type: 'ce_type',
  source: 'ce_source',
  subject: 'ce_subject',
  time: 'ce_time',
  contentType: 'content-type',
  /** CloudEvents extension attributes (names of lower-case letters and digits, so an SDK keeps them). */
  sequence: 'ce_sequence',
  zanPosition: 'ce_zanposition',
  correlationId: 'ce_correlationid',
  causationId: 'ce_causationid',
  /** v1's names of the revision and the position, kept beside ce_sequence and ce_zanposition until v2. */
  position: 'zan_position',
  revision: 'zan_revision',
  prevPosition: 'zan_prev_position',
  metadata: 'zan_metadata',
} as const;

/** A message ready for a producer: every header and the value are strings (UTF-8 on the wire). */
export interface KafkaRecord {
  topic: string;
  key: string;
  headers: Record<string, string>;
  value: string;
}

/** What decoding needs of a received message. */
export interface EncodedMessage {
  key: string | null;
  headers: Record<string, string | undefined>;
  value: string | null;
}

export interface DecodedEvent {
  event: StoredEvent;
  prevPosition: bigint;
}

/** The message is not a Zan CloudEvent this code can read; `header` names the culprit when one is. */
export class UndecodableMessageError extends Error {
  override readonly name = 'UndecodableMessageError';
  constructor(
    readonly reason: string,
    readonly header?: string,
  ) {
    super(header ? `undecodable message: ${header}: ${reason}` : `undecodable message: ${reason}`);
  }
}

export const topicName = (topicPrefix: string, category: string): string => `${topicPrefix}.${category}`;

/** The category an event is published under: its stream's, so every event of a stream is on one topic. */
export const categoryOf = (event: Pick<StoredEvent, 'streamId'>): string => streamCategory(event.streamId);

export const ceType = (type: string, version: number): string => `zan.${type}.v${version}`;

/**
 * The sequence extension's value: the stream revision as a plain decimal, the same value as v1's
 * `zan_revision` (the contract names it "the stream revision"). Compare sequences as integers, not as
 * text: "10" sorts before "9".
 */
export const ceSequence = (revision: number): string => String(revision);
const REVISION = /^(0|[1-9][0-9]{0,15})$/;

/**
 * The stream revision a message's headers name: `ce_sequence`, or v1's `zan_revision` when it has
 * none. Undefined when the header there is not one (missing, empty, malformed, unsafe).
 */
export const revisionOf = (headers: Record<string, string | undefined>): number | undefined => {
  const sequence = headers[HEADER.sequence];
  const text = sequence ?? headers[HEADER.revision];
  if (text === undefined || !REVISION.test(text)) return undefined;
  const revision = Number(text);
  return Number.isSafeInteger(revision) ? revision : undefined;
};

/** The context an event happened in: the category of its stream (`urn:zan:wallet`, `urn:zan:red-packet`). */
export const ceSource = (streamId: string): string => `urn:zan:${streamCategory(streamId)}`;

export const encodeEvent = (event: StoredEvent, prevPosition: bigint, topicPrefix: string): KafkaRecord => {
  // Refuse here what decodeEvent would refuse, so the relay never publishes a message no one can read.
  if (prevPosition < 0n || prevPosition >= event.position) {
    throw new RangeError(`prevPosition ${prevPosition} must be >= 0 and below position ${event.position} (${event.id})`);
  }
  if (!isPlainObject(event.data)) throw new TypeError(`event ${event.id}: data must be a JSON object`);
  return {
    topic: topicName(topicPrefix, categoryOf(event)),
    key: event.streamId,
    headers: {
      [HEADER.specVersion]: CE_SPEC_VERSION,
      [HEADER.id]: event.id,
      [HEADER.type]: ceType(event.type, event.version),
      [HEADER.source]: ceSource(event.streamId),
      [HEADER.subject]: event.streamId,
      [HEADER.time]: event.occurredAt,
      [HEADER.contentType]: JSON_CONTENT_TYPE,
      [HEADER.sequence]: ceSequence(event.revision),
      [HEADER.zanPosition]: positionToString(event.position),
      [HEADER.correlationId]: event.metadata.correlationId,
      [HEADER.causationId]: event.metadata.causationId,
      [HEADER.position]: positionToString(event.position),
      [HEADER.revision]: String(event.revision),
      [HEADER.prevPosition]: positionToString(prevPosition),
      [HEADER.metadata]: JSON.stringify(event.metadata),
    },
    value: JSON.stringify(event.data),
  };
};

const CE_TYPE = /^zan\.([A-Za-z][A-Za-z0-9]*)\.v([1-9][0-9]{0,8})$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;
export const decodeEvent = (message: EncodedMessage): DecodedEvent => {
  const header = (name: string): string => {
    const value = message.headers[name];
    if (value === undefined || value === '') throw new UndecodableMessageError('missing', name);
    return value;
  };

  const specVersion = header(HEADER.specVersion);
  if (specVersion !== CE_SPEC_VERSION) throw new UndecodableMessageError(`unsupported "${specVersion}"`, HEADER.specVersion);
  const id = header(HEADER.id);
  const typeMatch = CE_TYPE.exec(header(HEADER.type));
  if (!typeMatch) throw new UndecodableMessageError('not zan.<Type>.v<version>', HEADER.type);
  const type = typeMatch[1]!;
  const storedVersion = Number(typeMatch[2]);
  header(HEADER.source);
  const streamId = header(HEADER.subject);
  if (message.key !== streamId) throw new UndecodableMessageError(`key ${JSON.stringify(message.key)} is not the subject ${streamId}`);
  const occurredAt = header(HEADER.time);
  if (!RFC3339.test(occurredAt) || Number.isNaN(Date.parse(occurredAt))) {
    throw new UndecodableMessageError('not an RFC 3339 time', HEADER.time);
  }
  const contentType = header(HEADER.contentType);
  if (contentType.split(';')[0]!.trim().toLowerCase() !== JSON_CONTENT_TYPE) {
    throw new UndecodableMessageError(`unsupported "${contentType}"`, HEADER.contentType);
  }
  // v1 messages (still on topics written before v1.1) have only zan_position and zan_revision.
  const positionHeader = message.headers[HEADER.zanPosition] === undefined ? HEADER.position : HEADER.zanPosition;
  const position = parsePosition(header(positionHeader));
  if (position === undefined || position === 0n) throw new UndecodableMessageError('not a position', positionHeader);
  const sequenceHeader = message.headers[HEADER.sequence] === undefined ? HEADER.revision : HEADER.sequence;
  header(sequenceHeader);
  const revision = revisionOf(message.headers);
  if (revision === undefined) throw new UndecodableMessageError('not a revision', sequenceHeader);
  agrees(message, HEADER.position, positionToString(position), HEADER.zanPosition);
  agrees(message, HEADER.revision, String(revision), HEADER.sequence);
  const prevPosition = parsePosition(header(HEADER.prevPosition));
  if (prevPosition === undefined || prevPosition >= position) {
    throw new UndecodableMessageError('not a position below zan_position', HEADER.prevPosition);
  }
  const metadata = parseMetadata(header(HEADER.metadata));
  agrees(message, HEADER.correlationId, metadata.correlationId, HEADER.metadata);
  agrees(message, HEADER.causationId, metadata.causationId, HEADER.metadata);

  if (message.value === null) throw new UndecodableMessageError('no value');
  const stored = parseJson(message.value);
  if (!isPlainObject(stored)) throw new UndecodableMessageError('value is not a JSON object');
  if (isZanEventType(type) && storedVersion > currentVersion(type)) {
    throw new UndecodableMessageError(`${type} v${storedVersion} is newer than this code knows (v${currentVersion(type)})`, HEADER.type);
  }
  let current: { version: number; data: unknown };
  try {
    current = upcast(type, storedVersion, stored);
  } catch (error) {
    throw new UndecodableMessageError(`cannot upcast ${type} v${storedVersion}: ${(error as Error).message}`, HEADER.type);
  }

  return {
    event: {
      id,
      type,
      version: current.version,
      streamId,
      revision,
      position,
      occurredAt,
      data: current.data,
      metadata,
    },
    prevPosition,
  };
};

/** A header that says the same thing as another one must say it the same way, when it is there. */
const agrees = (message: EncodedMessage, name: string, expected: string, other: string): void => {
  const value = message.headers[name];
  if (value !== undefined && value !== expected) throw new UndecodableMessageError(`disagrees with ${other}`, name);
};

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    throw new UndecodableMessageError('value is not JSON');
  }
};

const parseMetadata = (text: string): EventMetadata => {
  let metadata: unknown;
  try {
    metadata = JSON.parse(text);
  } catch {
    throw new UndecodableMessageError('not JSON', HEADER.metadata);
  }
  if (!isPlainObject(metadata)) throw new UndecodableMessageError('not a JSON object', HEADER.metadata);
  for (const field of ['correlationId', 'causationId', 'userId']) {
    if (typeof metadata[field] !== 'string') throw new UndecodableMessageError(`${field} is not a string`, HEADER.metadata);
  }
  if (metadata.idempotencyKey !== undefined && typeof metadata.idempotencyKey !== 'string') {
    throw new UndecodableMessageError('idempotencyKey is not a string', HEADER.metadata);
  }
  return metadata as EventMetadata;
};

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The CloudEvents JSON structured form of an event (what a webhook's body is): the same attributes as
 * the binary mode's headers, with the data inline. Metadata beyond the correlation and causation ids
 * (the acting user, trace context) stays inside Zan.
 */
export const structuredCloudEvent = (event: StoredEvent): Record<string, unknown> => ({
  specversion: CE_SPEC_VERSION,
  id: event.id,
  type: ceType(event.type, event.version),
  source: ceSource(event.streamId),
  subject: event.streamId,
  time: event.occurredAt,
  datacontenttype: JSON_CONTENT_TYPE,
  sequence: ceSequence(event.revision),
  zanposition: positionToString(event.position),
  correlationid: event.metadata.correlationId,
  causationid: event.metadata.causationId,
  data: event.data,
});
