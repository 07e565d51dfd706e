import { createAdapters, webhookStoreKind } from './adapters';
import { ConfigError, loadConfig } from './zan.config';

describe('createAdapters', () => {
  // Nothing listens on port 1: the EventStoreDB adapter is chosen, connects, and says where it failed.
  it.each(['esdb://127.0.0.1:1?tls=false', 'kurrentdb://127.0.0.1:1?tls=false'])('chooses the EventStoreDB adapter for %s', async (url) => {
    const config = loadConfig({ ZAN_EVENT_STORE: url, ZAN_ROLES: 'relay' });
    expect(config.eventStore).toEqual({ kind: 'eventstoredb', url });
    await expect(createAdapters(config, ['relay'])).rejects.toThrow(/^EventStoreDB at .*127\.0\.0\.1:1.* is not usable: /);
  });
});

describe('webhookStoreKind (ZAN_WEBHOOKS_STORE)', () => {
  const esdb = { ZAN_EVENT_STORE: 'esdb://es:2113?tls=false', ZAN_ROLES: 'webhooks' };

  it('keeps webhook state beside SQL events, and in Redis beside EventStoreDB', () => {
    expect(webhookStoreKind(loadConfig({ ZAN_EVENT_STORE: 'postgres://pg/zan', REDIS_URL: 'redis://r:6379' }), true)).toBe('sql');
    expect(webhookStoreKind(loadConfig({}), true)).toBe('sql');
    expect(webhookStoreKind(loadConfig({ ...esdb, REDIS_URL: 'redis://r:6379' }), false)).toBe('redis');
    expect(webhookStoreKind(loadConfig(esdb), false)).toBeUndefined();
  });

  it('takes Redis when asked, beside SQL events too, and refuses a choice that cannot be kept', () => {
    expect(webhookStoreKind(loadConfig({ ZAN_EVENT_STORE: 'postgres://pg/zan', REDIS_URL: 'redis://r:6379', ZAN_WEBHOOKS_STORE: 'redis' }), true)).toBe(
      'redis',
    );
    expect(() => loadConfig({ ZAN_WEBHOOKS_STORE: 'redis' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...esdb, REDIS_URL: 'redis://r:6379', ZAN_WEBHOOKS_STORE: 'sql' })).toThrow(/ZAN_WEBHOOKS_STORE/);
    expect(() => loadConfig({ ZAN_WEBHOOKS_STORE: 'mongo' })).toThrow(/ZAN_WEBHOOKS_STORE/);
  });
});
