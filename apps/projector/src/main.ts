import './tracing';
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { ObservabilityModule, PlatformModule, installGracefulShutdown, listenOn, loadConfig, useZanLogger, createHttpApp } from '@zan/platform';
import { ProjectorModule } from './projector.module';

/**
 * The projector alone: Kafka -> Redis read models. Needs KAFKA_BROKERS and REDIS_URL. Serves
 * /health/live, /health/ready and /metrics on ZAN_PROJECTOR_PORT.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.kafka || !config.redis) {
    throw new Error('the projector runs on its own only with Kafka (KAFKA_BROKERS) and Redis (REDIS_URL); use `npm start` for the embedded mode');
  }
  @Module({ imports: [PlatformModule.forRoot({ config, roles: ['projector'] }), ObservabilityModule.forRoot(), ProjectorModule] })
  class ProjectorAppModule {}
  const app = await createHttpApp(ProjectorAppModule);
  useZanLogger(app);
  installGracefulShutdown(app, config.shutdownTimeoutMs);
  const url = await listenOn(app, config.projectorPort, config.host);
  console.log(`zan projector: health and metrics on ${url}`);
}

main().catch((error) => {
  console.error(`zan projector: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
