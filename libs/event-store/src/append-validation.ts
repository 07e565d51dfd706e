import { isUnstorableText, type NewEvent } from '@zan/contracts';
import { DuplicateEventError, type AppendGuard, type AppendOptions, type ExpectedRevision, type KeyClaim } from './event-store.port';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** ISO 8601 with an explicit offset, so every adapter reads the same instant. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

/** Checks an append before any adapter touches its storage; the same rules for every adapter. */
export const validateAppend = (streamId: string, events: NewEvent[], expected: ExpectedRevision): void => {
  if (typeof streamId !== 'string' || streamId.length === 0) throw new TypeError('streamId must be a non-empty string');
  if (isUnstorableText(streamId)) throw new TypeError('streamId holds a NUL or an unpaired surrogate');
  if (typeof expected === 'number' && (!Number.isSafeInteger(expected) || expected < -1)) {
    throw new RangeError(`expected revision must be an integer >= -1, got ${expected}`);
  }
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const event of events) {
    if (typeof event.id !== 'string' || !UUID.test(event.id)) throw new TypeError(`event id must be a uuid, got ${String(event.id)}`);
    if (typeof event.type !== 'string' || event.type.length === 0) throw new TypeError(`event ${event.id}: type is required`);
    if (event.version !== undefined && (!Number.isInteger(event.version) || event.version < 1)) {
      throw new TypeError(`event ${event.id}: version must be a positive integer`);
    }
    // Every reader needs an object (the relay encodes nothing else, the projections read its fields):
    // stored, anything else would hold the relay, and every event after it, for good.
    if (typeof event.data !== 'object' || event.data === null || Array.isArray(event.data)) {
      throw new TypeError(`event ${event.id}: data must be a JSON object`);
    }
    if (typeof event.metadata !== 'object' || event.metadata === null) throw new TypeError(`event ${event.id}: metadata is required`);
    // The last line of defence below the api's validation: refused here, such text never reaches
    // (and never fails) a group commit of other users' appends.
    const unstorable = isUnstorableText(event.type) ? 'type' : (unstorableAt(event.data, 'data') ?? unstorableAt(event.metadata, 'metadata'));
    if (unstorable) throw new TypeError(`event ${event.id}: ${unstorable} holds a NUL or an unpaired surrogate, which no store keeps`);
    if (typeof event.occurredAt !== 'string' || !ISO_INSTANT.test(event.occurredAt) || Number.isNaN(Date.parse(event.occurredAt))) {
      throw new TypeError(`event ${event.id}: occurredAt must be an ISO 8601 instant with a time zone`);
    }
    const id = event.id.toLowerCase();
    if (seen.has(id)) repeated.add(id);
    seen.add(id);
  }
  if (repeated.size > 0) throw new DuplicateEventError([...repeated]);
};

/** Checks an append's guards (AppendGuard): the same rules for every adapter. */
export const validateGuards = (options: AppendOptions | undefined): readonly AppendGuard[] => {
  const guards: unknown = options?.guards ?? [];
  if (!Array.isArray(guards)) throw new TypeError('guards must be an array');
  for (const guard of guards as unknown[]) {
    const { streamId, revision, unless } = (guard ?? {}) as { streamId?: unknown; revision?: unknown; unless?: unknown };
    if (typeof streamId !== 'string' || streamId.length === 0 || isUnstorableText(streamId))
      throw new TypeError('a guard names its stream: a non-empty string');
    if (!Number.isSafeInteger(revision) || (revision as number) < -1)
      throw new RangeError(`a guard's revision must be an integer >= -1, got ${String(revision)}`);
    if (!Array.isArray(unless) || unless.some((type) => typeof type !== 'string')) throw new TypeError("a guard's unless must be event types");
  }
  return guards as readonly AppendGuard[];
};

/**
 * Checks an append's key claims (AppendOptions.claims): none where the store writes no records
 * (`supported` false), each well formed, and no key twice (the same request decided twice in one
 * append would claim its key against itself).
 */
export const validateClaims = (options: AppendOptions | undefined, supported: boolean): readonly KeyClaim[] => {
  const claims: unknown = options?.claims ?? [];
  if (!Array.isArray(claims)) throw new TypeError('claims must be an array');
  if (claims.length > 0 && !supported) throw new TypeError('this event store writes no idempotency records: claim the key before the command');
  const keys = new Set<string>();
  for (const claim of claims as unknown[]) {
    const { scope, key, requestHash, lockedUntil, createdAt } = (claim ?? {}) as Partial<Record<keyof KeyClaim, unknown>>;
    for (const text of [scope, key, requestHash]) {
      if (typeof text !== 'string' || text.length === 0 || isUnstorableText(text))
        throw new TypeError("a claim's scope, key and request hash are non-empty strings");
    }
    if (!Number.isSafeInteger(lockedUntil)) throw new TypeError("a claim's lease is an epoch ms");
    if (!(createdAt instanceof Date) || Number.isNaN(createdAt.getTime())) throw new TypeError("a claim's createdAt is a Date");
    const id = `${scope as string}\n${key as string}`;
    if (keys.has(id)) throw new TypeError(`the key ${JSON.stringify(key)} is claimed twice in one append`);
    keys.add(id);
  }
  return claims as readonly KeyClaim[];
};

/** Whether a guarded stream's events after the guard's revision break it (an event of a type not in `unless`). */
export const breaksGuard = (guard: AppendGuard, events: readonly { type: string; revision: number }[]): boolean =>
  events.some((event) => event.revision > guard.revision && !guard.unless.includes(event.type));

/** Whether a stream at `actual` (its last revision, or no stream) meets an append's expectation: the same rule for every adapter. */
export const expectationHolds = (expected: ExpectedRevision, actual: number | 'no_stream'): boolean =>
  expected === 'any' || (actual === 'no_stream' ? expected === 'no_stream' || expected === -1 : expected === 'stream_exists' || expected === actual);

export const assertMaxCount = (maxCount: number | undefined): void => {
  if (maxCount !== undefined && (!Number.isSafeInteger(maxCount) || maxCount < 1 || maxCount > 2 ** 31 - 1)) {
    throw new RangeError(`maxCount must be a positive integer, got ${maxCount}`);
  }
};

export const assertFromRevision = (fromRevision: number | undefined): void => {
  if (fromRevision !== undefined && (!Number.isSafeInteger(fromRevision) || fromRevision < 0)) {
    throw new RangeError(`fromRevision must be a non-negative integer, got ${fromRevision}`);
  }
};

/** The path of the first string (or key) in a JSON value that holds unstorable text, if any. */
const unstorableAt = (value: unknown, path: string): string | undefined => {
  if (typeof value === 'string') return isUnstorableText(value) ? path : undefined;
  if (typeof value !== 'object' || value === null) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const at = unstorableAt(value[i], `${path}[${i}]`);
      if (at) return at;
    }
    return undefined;
  }
  for (const [key, inner] of Object.entries(value)) {
    if (isUnstorableText(key)) return `a key of ${path}`;
    const at = unstorableAt(inner, `${path}.${key}`);
    if (at) return at;
  }
  return undefined;
};
