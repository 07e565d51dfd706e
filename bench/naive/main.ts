/**
 * The naive baseline as a process of its own, like Zan's api: `node --require ./infra/register-ts.js
 * bench/naive/main.ts` with NAIVE_DATABASE_URL, NAIVE_PG_SCHEMA (migrated and seeded by the bench),
 * NAIVE_JWT_SECRET and optionally NAIVE_PG_POOL_SIZE (20, Zan's default) and PORT (0: any free port).
 * Prints `naive: listening on port <port>`.
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { createPostgresEventStore } from '@zan/event-store';
import { NaiveModule } from './naive.module';

const main = async (): Promise<void> => {
  const env = process.env;
  const store = await createPostgresEventStore({
    connectionString: env.NAIVE_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    schema: env.NAIVE_PG_SCHEMA,
    poolSize: Number(env.NAIVE_PG_POOL_SIZE ?? 20),
    applicationName: 'bench-naive',
  });
  const app = await NestFactory.create<NestFastifyApplication>(NaiveModule.forStore(store, env.NAIVE_JWT_SECRET ?? ''), new FastifyAdapter(), {
    logger: ['error', 'fatal'],
  });
  await app.listen(Number(env.PORT ?? 0), '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  console.log(`naive: listening on port ${address.port}`);
  const stop = async () => {
    await app.close();
    await store.eventStore.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
};

main().catch((error) => {
  console.error(`naive: ${error instanceof Error ? error.stack : String(error)}`);
  process.exit(1);
});
