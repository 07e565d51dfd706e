import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { PlatformModule, loadConfig } from '@zan/platform';
import { RelayModule } from './relay.module';

/** The relay alone: event store -> Kafka. Needs ZAN_EVENT_STORE and KAFKA_BROKERS. */
async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.kafka || config.eventStore.kind === 'embedded') {
    throw new Error('the relay runs on its own only with a shared event store (ZAN_EVENT_STORE) and Kafka (KAFKA_BROKERS); use `npm start` for the embedded mode');
  }
  @Module({ imports: [PlatformModule.forRoot({ config, roles: ["relay"] }), RelayModule] })
  class RelayAppModule {}
  const app = await NestFactory.createApplicationContext(RelayAppModule, { bufferLogs: false });
  app.enableShutdownHooks();
}

main().catch((error) => {
  console.error(`zan relay: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
