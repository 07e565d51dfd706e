import './tracing';
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { ObservabilityModule, PlatformModule, installGracefulShutdown, listenOn, loadConfig, useZanLogger, createHttpApp } from '@zan/platform';
import { RelayModule } from './relay.module';

/**
 * The relay alone: event store -> Kafka. Needs ZAN_EVENT_STORE and KAFKA_BROKERS. Serves
 * /health/live, /health/ready and /metrics on ZAN_RELAY_PORT.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.kafka || config.eventStore.kind === 'embedded') {
    throw new Error(
      'the relay runs on its own only with a shared event store (ZAN_EVENT_STORE) and Kafka (KAFKA_BROKERS); use `npm start` for the embedded mode',
    );
  }
  @Module({ imports: [PlatformModule.forRoot({ config, roles: ['relay'] }), ObservabilityModule.forRoot(), RelayModule] })
  class RelayAppModule {}
  const app = await createHttpApp(RelayAppModule);
  useZanLogger(app);
  installGracefulShutdown(app, config.shutdownTimeoutMs);
  const url = await listenOn(app, config.relayPort, config.host);
  console.log(`zan relay: health and metrics on ${url}`);
}

main().catch((error) => {
  console.error(`zan relay: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
