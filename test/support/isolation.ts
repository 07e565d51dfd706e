import { randomBytes } from 'node:crypto';

/**
 * Names that keep one spec's data apart from every other spec and every other run:
 * a PostgreSQL schema, a Redis key prefix and a Kafka topic prefix.
 */
export interface Isolation {
  id: string;
  pgSchema: string;
  redisPrefix: string;
  topicPrefix: string;
}

export const isolation = (label: string): Isolation => {
  const run = process.env.ZAN_TEST_RUN ?? Date.now().toString(36);
  const id = `${label
    .replace(/[^a-z0-9]/gi, '')
    .toLowerCase()
    .slice(0, 12)}_${run}_${randomBytes(3).toString('hex')}`;
  return { id, pgSchema: `zt_${id}`, redisPrefix: `zt:${id}:`, topicPrefix: `zt.${id}` };
};

export const testServers = () => ({
  databaseUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  redisUrl: process.env.REDIS_URL_TEST ?? 'redis://127.0.0.1:6379',
  kafkaBrokers: (process.env.KAFKA_BROKERS_TEST ?? '127.0.0.1:9092').split(','),
});
