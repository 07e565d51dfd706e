import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { PlatformModule, loadConfig } from '@zan/platform';
import { ProjectorModule } from './projector.module';

/** The projector alone: Kafka -> Redis read models. Needs KAFKA_BROKERS and REDIS_URL. */
async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.kafka || !config.redis) {
    throw new Error('the projector runs on its own only with Kafka (KAFKA_BROKERS) and Redis (REDIS_URL); use `npm start` for the embedded mode');
  }
  @Module({ imports: [PlatformModule.forRoot({ config, roles: ["projector"] }), ProjectorModule] })
  class ProjectorAppModule {}
  const app = await NestFactory.createApplicationContext(ProjectorAppModule);
  app.enableShutdownHooks();
}

main().catch((error) => {
  console.error(`zan projector: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
