import { createAdapters } from './adapters';
import { loadConfig } from './zan.config';

describe('createAdapters', () => {
  // Nothing listens on port 1: the EventStoreDB adapter is chosen, connects, and says where it failed.
  it.each(['esdb://127.0.0.1:1?tls=false', 'kurrentdb://127.0.0.1:1?tls=false'])('chooses the EventStoreDB adapter for %s', async (url) => {
    const config = loadConfig({ ZAN_EVENT_STORE: url, ZAN_ROLES: 'relay' });
    expect(config.eventStore).toEqual({ kind: 'eventstoredb', url });
    await expect(createAdapters(config, ['relay'])).rejects.toThrow(/^EventStoreDB at .*127\.0\.0\.1:1.* is not usable: /);
  });
});
