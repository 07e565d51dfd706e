import { ConfigError, loadConfig } from './zan.config';

/** One place validates every setting; a bad one is refused with one line naming it. */
describe('loadConfig', () => {
  const refused = (env: Record<string, string>): string => {
    try {
      loadConfig(env);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as Error).message;
    }
    throw new Error(`accepted ${JSON.stringify(env)}`);
  };

  it.each([
    ['PORT', 'eighty'],
    ['ZAN_RELAY_PORT', '70000'],
    ['ZAN_PROJECTOR_PORT', '-1'],
    ['ZAN_SHUTDOWN_TIMEOUT_MS', '1.5'],
    ['ZAN_LOG_LEVEL', 'loud'],
    ['ZAN_LOG_FORMAT', 'xml'],
    ['KAFKA_BROKERS', 'a, b'],
    ['KAFKA_BROKERS', '127.0.0.1'],
    ['KAFKA_BROKERS', 'kafka://127.0.0.1:9092'],
    ['KAFKA_BROKERS', '127.0.0.1:9092,127.0.0.1'],
    ['KAFKA_BROKERS', '127.0.0.1:90920'],
    ['REDIS_URL', 'http://127.0.0.1:6379'],
    ['REDIS_URL', 'redis+cluster://127.0.0.1'],
    ['REDIS_URL', 'redis://127.0.0.1:6379/abc'],
    ['REDIS_URL', 'redis://127.0.0.1:99999'],
    ['REDIS_URL', 'redis+cluster://a:7000, b:7001'],
    ['ZAN_EVENT_STORE', 'mysql://x'],
    ['ZAN_JWT_SECRET', 'short'],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'not a url'],
    ['ZAN_ROLES', 'api,web'],
    ['HOST', '0.0.0.0/0'],
    ['ZAN_CARDS_PER_WALLET', '0'],
    ['ZAN_JWT_MAX_LIFETIME_SECONDS', '10'],
    ['ZAN_ID_SECRET', 'short'],
    ['ZAN_TIER_UNVERIFIED_DAILY', '-1'],
    ['ZAN_TIER_INDIVIDUAL_PER_PAYMENT', '1.5'],
    ['ZAN_TIER_BUSINESS_ANNUAL', 'lots'],
    // A packet's expiresAt past what a Date holds: every send was a 500 (RangeError: Invalid time value).
    ['ZAN_RED_PACKET_TTL_SECONDS', '9000000000000'],
    ['ZAN_RED_PACKET_TTL_SECONDS', String(366 * 24 * 3600 + 1)],
  ])('refuses %s=%s in one line naming it', (name, value) => {
    const message = refused({ [name]: value });
    expect(message).toMatch(new RegExp(`^invalid setting ${name}: `));
    expect(message).not.toContain('\n');
  });

  it('needs REDIS_URL for the api on EventStoreDB, and not for a process without the api', () => {
    const message = refused({ ZAN_EVENT_STORE: 'esdb://es:2113?tls=false' });
    expect(message).toMatch(/^invalid setting REDIS_URL: required with an EventStoreDB event store/);
    expect(message).not.toContain('\n');
    expect(loadConfig({ ZAN_EVENT_STORE: 'kurrentdb://es:2113?tls=false', ZAN_ROLES: 'relay' }).eventStore).toEqual({
      kind: 'eventstoredb',
      url: 'kurrentdb://es:2113?tls=false',
    });
    expect(loadConfig({ ZAN_EVENT_STORE: 'esdb://es:2113', REDIS_URL: 'redis://redis:6379' }).eventStore.kind).toBe('eventstoredb');
  });

  it('takes the seed nodes of a Redis Cluster in REDIS_URL, but not beside EventStoreDB', () => {
    const url = 'redis+cluster://10.0.0.1:7000,10.0.0.2:7000,redis-3:7000';
    expect(loadConfig({ REDIS_URL: url }).redis).toEqual({ url, prefix: 'zan:' });
    expect(loadConfig({ REDIS_URL: 'redis+cluster://user:secret@10.0.0.1:7000' }).redis?.url).toBe('redis+cluster://user:secret@10.0.0.1:7000');
    expect(refused({ ZAN_EVENT_STORE: 'esdb://es:2113', REDIS_URL: url })).toMatch(/^invalid setting REDIS_URL: a Redis Cluster holds the read models/);
    expect(refused({ REDIS_URL: url, ZAN_WEBHOOKS_STORE: 'redis' })).toMatch(/^invalid setting ZAN_WEBHOOKS_STORE: redis is kept on one Redis/);
  });

  it('takes one Redis node with or without a database number', () => {
    for (const url of ['redis://redis:6379', 'redis://redis:6379/', 'rediss://:secret@redis:6380/2', 'redis://user:pw@10.0.0.1'])
      expect(loadConfig({ REDIS_URL: url }).redis?.url).toBe(url);
  });

  it('takes KAFKA_BROKERS as host:port pairs', () => {
    expect(loadConfig({ KAFKA_BROKERS: 'kafka:9092' }).kafka?.brokers).toEqual(['kafka:9092']);
    expect(loadConfig({ KAFKA_BROKERS: '10.0.0.1:9092,kafka-2.internal:19092' }).kafka?.brokers).toEqual(['10.0.0.1:9092', 'kafka-2.internal:19092']);
  });

  it('needs ZAN_JWT_SECRET in production', () => {
    expect(refused({ NODE_ENV: 'production' })).toBe('invalid setting ZAN_JWT_SECRET: required in production');
  });

  it('defaults the operability settings: loopback, ports, shutdown timeout, tracing off', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 3000,
      relayPort: 3001,
      projectorPort: 3002,
      shutdownTimeoutMs: 10_000,
      logLevel: 'info',
      tracing: undefined,
    });
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }).tracing).toEqual({ endpoint: 'http://127.0.0.1:4318', serviceName: undefined });
  });

  it('defaults the security settings: no JWT secret (generated at first use), 24 h tokens, 10 cards per wallet', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ jwtSecret: undefined, idSecret: undefined, jwtMaxLifetimeSeconds: 86_400, dataDir: './data' });
    expect(config.limits.cardsPerWallet).toBe(10);
    expect(loadConfig({ HOST: '0.0.0.0', ZAN_CARDS_PER_WALLET: '3', ZAN_JWT_MAX_LIFETIME_SECONDS: '3600' })).toMatchObject({
      host: '0.0.0.0',
      jwtMaxLifetimeSeconds: 3600,
      limits: { cardsPerWallet: 3 },
    });
  });

  it('defaults the limits by verification tier after the PBoC account classes, each one a setting (0: none)', () => {
    expect(loadConfig({}).limits.tiers).toEqual({
      unverified: { perPayment: 100_000, daily: 200_000, annual: 5_000_000 },
      individual: { perPayment: 500_000, daily: 1_000_000, annual: 20_000_000 },
      business: { perPayment: 0, daily: 0, annual: 0 },
    });
    const set = loadConfig({ ZAN_TIER_UNVERIFIED_PER_PAYMENT: '0', ZAN_TIER_INDIVIDUAL_DAILY: '300000', ZAN_TIER_BUSINESS_ANNUAL: '90000000' }).limits.tiers;
    expect(set).toMatchObject({ unverified: { perPayment: 0 }, individual: { daily: 300_000 }, business: { annual: 90_000_000 } });
  });
});
