import { createEventStoreDbEventStore } from './create-eventstoredb-event-store';

describe('createEventStoreDbEventStore', () => {
  // With throwOnAppendFailure=false the client resolves a wrong expected version as { success: false }
  // (appendToStream/append.js, batchAppend.js): the adapter would read back other events and answer a
  // conflict with a plain Error (a 500) instead of WrongExpectedRevisionError.
  it.each(['kurrentdb://127.0.0.1:1?tls=false&throwOnAppendFailure=false', 'esdb://127.0.0.1:1?ThrowOnAppendFailure=false&tls=false'])(
    'refuses a connection string that turns conflicts into answers: %s',
    async (connectionString) => {
      await expect(createEventStoreDbEventStore({ connectionString })).rejects.toThrow(/throwOnAppendFailure=false is not supported/);
    },
  );

  it('says where it failed when nothing answers (nothing listens on port 1)', async () => {
    await expect(createEventStoreDbEventStore({ connectionString: 'kurrentdb://u:secret@127.0.0.1:1?tls=false&throwOnAppendFailure=true' })).rejects.toThrow(
      /^EventStoreDB at kurrentdb:\/\/\*\*\*@127\.0\.0\.1:1\?tls=false&throwOnAppendFailure=true is not usable: /,
    );
  });
});
