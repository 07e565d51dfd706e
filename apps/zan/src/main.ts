import './tracing';
import 'reflect-metadata';
import { boundPort, installGracefulShutdown, loadConfig } from '@zan/platform';
import { createZanApp } from './zan.app';

/**
 * `npm start`: api + relay + projector in one process (ZAN_ROLES), embedded unless configured
 * otherwise. Listens on PORT whatever the roles: the api's routes, /docs, /health and /metrics.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const app = await createZanApp({ config });
  installGracefulShutdown(app, config.shutdownTimeoutMs);
  await app.listen(config.port, '0.0.0.0');
  console.log(`zan: listening on http://127.0.0.1:${boundPort(app)} (roles: ${config.roles.join(', ')})`);
}

main().catch((error) => {
  console.error(`zan: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
