import { Metadata, status } from '@grpc/grpc-js';
import { UnavailableError, WrongExpectedVersionError, convertToCommandError, type KurrentDBClient } from '@kurrent/kurrentdb-client';
import { EventStoreDbCheckpointStore } from './eventstoredb-checkpoint-store';

/**
 * What the server answers a soft delete (`deleteStream`, expected revision any) of a stream that never
 * existed: StorageWriterService fails its commit check, the request manager reports WrongExpectedVersion
 * and Streams.Delete raises RpcExceptions.WrongExpectedVersion (FAILED_PRECONDITION, these headers).
 * The client turns it into its WrongExpectedVersionError with convertToCommandError, as deleteStream does.
 */
const neverExisted = (stream: string): Error => {
  const metadata = new Metadata();
  metadata.set('exception', 'wrong-expected-version');
  metadata.set('stream-name', stream);
  metadata.set('expected-version', '-2');
  metadata.set('actual-version', '-1');
  const error = Object.assign(new Error(`${status.FAILED_PRECONDITION} FAILED_PRECONDITION: Delete failed due to WrongExpectedVersion.`), {
    code: status.FAILED_PRECONDITION,
    details: `Delete failed due to WrongExpectedVersion. Stream: ${stream}, Expected version: -2, Actual version: -1`,
    metadata,
  });
  return convertToCommandError(error);
};

/** Only deleteStream is reached by delete(); it fails as the real client does. */
const deletingFails = (error: Error): KurrentDBClient => ({ deleteStream: () => Promise.reject(error) }) as unknown as KurrentDBClient;

describe('EventStoreDbCheckpointStore.delete', () => {
  it('does nothing for a checkpoint never saved (the server refuses to delete a stream that never existed)', async () => {
    const error = neverExisted('zan-checkpoint-never');
    expect(error).toBeInstanceOf(WrongExpectedVersionError);
    await expect(new EventStoreDbCheckpointStore(deletingFails(error)).delete('never')).resolves.toBeUndefined();
  });

  it('still fails on anything else: a server out of reach, a conflict with a stream that exists', async () => {
    await expect(new EventStoreDbCheckpointStore(deletingFails(new UnavailableError())).delete('x')).rejects.toBeInstanceOf(UnavailableError);
    const existing = new WrongExpectedVersionError(undefined, { streamName: 'zan-checkpoint-x', expected: 3n, current: 5n });
    await expect(new EventStoreDbCheckpointStore(deletingFails(existing)).delete('x')).rejects.toBe(existing);
  });
});
