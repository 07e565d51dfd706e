import { randomUUID } from 'node:crypto';
import type { NewEvent } from '@zan/contracts';
import { walletStream } from '@zan/contracts';

/**
 * A TipPraised as the api appends it on the reader's wallet: the debit of a tip, with the metadata a
 * command carries over HTTP (correlation, causation, user, idempotency key). About 310 bytes of JSON,
 * data and metadata together. The appends and the physical baselines write this same shape.
 */
export const tipPraised = (readerId: string, authorId: string, n: number): NewEvent => {
  const id = randomUUID();
  return {
    id,
    type: 'TipPraised',
    data: { tipId: randomUUID(), readerId, authorId, articleId: `article-${n % 40}`, amount: 500 + (n % 4_500), message: '赞' },
    metadata: { correlationId: id, causationId: id, userId: readerId, idempotencyKey: `bench-${readerId}-${n}` },
    occurredAt: new Date().toISOString(),
  };
};

export const readerStream = (readerId: string): string => walletStream(readerId);

/** Bytes of an event's JSON (data and metadata), for the report's setup lines. */
export const payloadBytes = (event: NewEvent): number => Buffer.byteLength(JSON.stringify(event.data)) + Buffer.byteLength(JSON.stringify(event.metadata));
