import { describeRateLimitStoreContract } from '../testing/rate-limit-store.contract';
import { MemoryThrottlerStorage } from './memory-rate-limit-store';

describeRateLimitStoreContract('memory', async () => ({ store: new MemoryThrottlerStorage(), dispose: async () => undefined }));
