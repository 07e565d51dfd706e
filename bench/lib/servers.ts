import type { BenchContext } from './types';

/**
 * The servers a run uses, as the tests find them (DATABASE_URL, REDIS_URL_TEST or REDIS_URL,
 * KAFKA_BROKERS_TEST or KAFKA_BROKERS; 127.0.0.1 by default). `npm run bench` hands them to every
 * scenario in `context.env` under these three names.
 */
export const benchEnv = (from: NodeJS.ProcessEnv = process.env): Record<string, string> => ({
  DATABASE_URL: from.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  REDIS_URL: from.REDIS_URL_TEST ?? from.REDIS_URL ?? 'redis://127.0.0.1:6379',
  KAFKA_BROKERS: from.KAFKA_BROKERS_TEST ?? from.KAFKA_BROKERS ?? '127.0.0.1:9092',
});

export interface Servers {
  databaseUrl: string;
  redisUrl: string;
  kafkaBrokers: string[];
}

export const serversOf = (context: Pick<BenchContext, 'env'>): Servers => {
  const env = { ...benchEnv({}), ...context.env };
  return { databaseUrl: env.DATABASE_URL!, redisUrl: env.REDIS_URL!, kafkaBrokers: env.KAFKA_BROKERS!.split(',') };
};
