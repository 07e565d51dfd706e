import './tracing';
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { ObservabilityModule, PlatformModule, installGracefulShutdown, listenOn, loadConfig, useZanLogger, createHttpApp } from '@zan/platform';
import { WebhooksModule } from './webhooks.module';

/**
 * The webhook dispatcher alone: Kafka -> integrators' endpoints. Needs a shared event store
 * (ZAN_EVENT_STORE: PostgreSQL, where endpoints and queues live, or EventStoreDB with REDIS_URL,
 * where they live then) and KAFKA_BROKERS. Serves /health/live, /health/ready and /metrics on
 * ZAN_WEBHOOKS_PORT.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const shared = config.eventStore.kind === 'postgres' || (config.eventStore.kind === 'eventstoredb' && config.redis);
  if (!config.kafka || !shared) {
    throw new Error(
      'the webhook dispatcher runs on its own only with a shared event store (ZAN_EVENT_STORE: PostgreSQL, or EventStoreDB with REDIS_URL) and Kafka (KAFKA_BROKERS); use `npm start` for the embedded mode',
    );
  }
  @Module({ imports: [PlatformModule.forRoot({ config, roles: ['webhooks'] }), ObservabilityModule.forRoot(), WebhooksModule] })
  class WebhooksAppModule {}
  const app = await createHttpApp(WebhooksAppModule);
  useZanLogger(app);
  installGracefulShutdown(app, config.shutdownTimeoutMs);
  const url = await listenOn(app, config.webhooksPort, config.host);
  console.log(`zan webhooks: health and metrics on ${url}`);
}

main().catch((error) => {
  console.error(`zan webhooks: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
