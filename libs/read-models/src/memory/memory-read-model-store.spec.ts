import { readModelStoreContract } from '../testing/read-model-store.contract';
import { MemoryReadModelStore } from './memory-read-model-store';

readModelStoreContract('memory', async (options) => new MemoryReadModelStore(options));
