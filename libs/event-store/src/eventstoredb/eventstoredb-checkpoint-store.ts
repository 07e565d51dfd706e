import { BACKWARDS, END, StreamNotFoundError, WrongExpectedVersionError, jsonEvent, type KurrentDBClient } from '@kurrent/kurrentdb-client';
import type { CheckpointStore } from '../event-store.port';
import { actualRevisionOf } from './records';

export const DEFAULT_CHECKPOINT_STREAM_PREFIX = 'zan-checkpoint-';
/** Older checkpoint events beyond this many are dropped by the server (stream metadata $maxCount). */
const KEPT_CHECKPOINTS = 10;

/**
 * A checkpoint is the last event of its own stream `zan-checkpoint-<name>` (the position as a
 * decimal string, so any bigint fits). The prefix is not one of Zan's, so checkpoints never reach
 * readAll or subscriptions; it is not a `$` system stream either, so no admin rights are needed.
 */
export class EventStoreDbCheckpointStore implements CheckpointStore {
  private readonly prefix: string;

  constructor(
    private readonly client: KurrentDBClient,
    options: { streamPrefix?: string } = {},
  ) {
    this.prefix = options.streamPrefix ?? DEFAULT_CHECKPOINT_STREAM_PREFIX;
    if (this.prefix.length === 0) throw new RangeError('the checkpoint stream prefix must not be empty');
  }

  streamOf(name: string): string {
    return `${this.prefix}${name}`;
  }

  async load(name: string): Promise<bigint | undefined> {
    try {
      for await (const resolved of this.client.readStream(this.streamOf(name), {
        direction: BACKWARDS,
        fromRevision: END,
        maxCount: 1,
        requiresLeader: true,
      })) {
        const position = (resolved.event?.data as { position?: unknown } | undefined)?.position;
        if (typeof position !== 'string' || !/^(0|[1-9][0-9]*)$/.test(position)) {
          throw new Error(`checkpoint ${name}: unreadable event in ${this.streamOf(name)}`);
        }
        return BigInt(position);
      }
      return undefined;
    } catch (error) {
      if (error instanceof StreamNotFoundError) return undefined;
      throw error;
    }
  }

  async save(name: string, position: bigint): Promise<void> {
    if (typeof position !== 'bigint' || position < 0n) throw new RangeError('checkpoint position must be a non-negative bigint');
    const stream = this.streamOf(name);
    const { nextExpectedRevision } = await this.client.appendToStream(stream, jsonEvent({ type: 'ZanCheckpoint', data: { position: position.toString() } }));
    if (nextExpectedRevision === 0n) await this.client.setStreamMetadata(stream, { maxCount: KEPT_CHECKPOINTS });
  }

  /**
   * A soft delete: the stream reads as missing, and a later save starts it again. The server refuses
   * to soft-delete a stream that never existed as a wrong expected version (actual: no stream).
   */
  async delete(name: string): Promise<void> {
    try {
      await this.client.deleteStream(this.streamOf(name));
    } catch (error) {
      if (error instanceof StreamNotFoundError) return;
      if (error instanceof WrongExpectedVersionError && actualRevisionOf(error.actualState) === 'no_stream') return;
      throw error;
    }
  }
}
