import './tracing';
import 'reflect-metadata';
import { assertEventStoreFree, installGracefulShutdown, listenOn, loadConfig } from '@zan/platform';
import { createZanApp } from './zan.app';

/**
 * `npm start`: api + relay + projector in one process (ZAN_ROLES), embedded unless configured
 * otherwise. Listens on PORT whatever the roles: the api's routes, /docs, /health and /metrics.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  await assertEventStoreFree(config);
  const app = await createZanApp({ config });
  installGracefulShutdown(app, config.shutdownTimeoutMs);
  const url = await listenOn(app, config.port, config.host);
  console.log(`zan: listening on ${url} (roles: ${config.roles.join(', ')})`);
}

main().catch((error) => {
  console.error(`zan: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
