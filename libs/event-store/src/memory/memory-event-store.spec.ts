import { describeEventStoreContract, testEvents } from '../testing/event-store.contract';
import { MemoryCheckpointStore, MemoryEventStore } from './memory-event-store';

// The same contract as the SQL and EventStoreDB adapters: the simulation runs on a real adapter.
describeEventStoreContract('memory', async () => {
  const eventStore = new MemoryEventStore({ pollIntervalMs: 20 });
  return { eventStore, checkpoints: new MemoryCheckpointStore(), dispose: () => eventStore.close() };
});

describe('memory event store', () => {
  it("keeps what was appended out of the caller's reach", async () => {
    const store = new MemoryEventStore();
    const [event] = testEvents(1);
    await store.append('s-1', [event!], 'no_stream');
    (event!.data as { n: number }).n = 99;
    const [read] = await store.readStream('s-1');
    (read!.data as { n: number }).n = 98;
    expect((await store.readStream('s-1'))[0]!.data).toEqual({ tag: 'e', n: 0 });
  });
});
