import { describeTimerStoreContract } from '../testing/timer-store.contract';
import { MemoryTimerStore } from './memory-timer.store';

describeTimerStoreContract('memory', async () => ({ store: new MemoryTimerStore(), dispose: async () => undefined }));
