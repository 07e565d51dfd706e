import { describeTimerStoreContract } from '../testing/timer-store.contract';
import { MemoryTimerStore } from './memory-timer-store';

describeTimerStoreContract('memory', async () => {
  const store = new MemoryTimerStore();
  // Memory timers never had a v1: a timer without a cause is what v1 stored.
  return { store, scheduleAsV1: (id, dueAt) => store.schedule(id, dueAt), dispose: async () => undefined };
});
