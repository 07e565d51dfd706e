import './tracing';
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import {
  ObservabilityModule,
  PlatformModule,
  ZAN_SECRETS,
  type ZanSecrets,
  installGracefulShutdown,
  listenOn,
  loadConfig,
  useZanLogger,
  createHttpApp,
} from '@zan/platform';
import { ApiModule } from './api.module';
import { configureHttp } from './http/configure-http';

/** The api alone (commands, queries, process managers). Needs a shared event store and Redis. */
async function main(): Promise<void> {
  const config = loadConfig();
  if (config.eventStore.kind === 'embedded' || !config.redis) {
    throw new Error('the api runs on its own only with a shared event store (ZAN_EVENT_STORE) and Redis (REDIS_URL); use `npm start` for the embedded mode');
  }
  @Module({ imports: [PlatformModule.forRoot({ config, roles: ['api'] }), ObservabilityModule.forRoot(), ApiModule] })
  class ApiAppModule {}
  const app = await createHttpApp(ApiAppModule);
  useZanLogger(app);
  configureHttp(app);
  installGracefulShutdown(app, config.shutdownTimeoutMs);
  const secrets = app.get<ZanSecrets>(ZAN_SECRETS, { strict: false });
  if (secrets.source !== 'ZAN_JWT_SECRET') console.warn(`zan api: ZAN_JWT_SECRET is not set: tokens are signed with the secret in ${secrets.source.file}`);
  const url = await listenOn(app, config.port, config.host);
  console.log(`zan api: listening on ${url}`);
}

main().catch((error) => {
  console.error(`zan api: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
