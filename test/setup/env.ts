// Defaults for integration specs: the real servers of this machine (CI starts Kafka itself).
process.env.DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/test';
process.env.REDIS_URL_TEST ??= process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
process.env.KAFKA_BROKERS_TEST ??= process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
process.env.ZAN_TEST_RUN ??= `${Date.now().toString(36)}`;
