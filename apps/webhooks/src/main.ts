import './tracing';
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ObservabilityModule, PlatformModule, installGracefulShutdown, listenOn, loadConfig, useZanLogger } from '@zan/platform';
import { WebhooksModule } from './webhooks.module';

/**
 * The webhook dispatcher alone: Kafka -> integrators' endpoints. Needs a shared SQL event store
 * (ZAN_EVENT_STORE=postgres://..., where endpoints and queues live) and KAFKA_BROKERS. Serves
 * /health/live, /health/ready and /metrics on ZAN_WEBHOOKS_PORT.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.kafka || config.eventStore.kind !== 'postgres') {
    throw new Error(
      'the webhook dispatcher runs on its own only with PostgreSQL (ZAN_EVENT_STORE) and Kafka (KAFKA_BROKERS); use `npm start` for the embedded mode',
    );
  }
  @Module({ imports: [PlatformModule.forRoot({ config, roles: ['webhooks'] }), ObservabilityModule.forRoot(), WebhooksModule] })
  class WebhooksAppModule {}
  const app = await NestFactory.create(WebhooksAppModule, { bufferLogs: true });
  useZanLogger(app);
  installGracefulShutdown(app, config.shutdownTimeoutMs);
  const url = await listenOn(app, config.webhooksPort, config.host);
  console.log(`zan webhooks: health and metrics on ${url}`);
}

main().catch((error) => {
  console.error(`zan webhooks: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
