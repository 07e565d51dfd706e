import 'reflect-metadata';
import { loadConfig } from '@zan/platform';
import { createZanApp } from './zan.app';

/** `npm start`: api + relay + projector in one process (ZAN_ROLES), embedded unless configured otherwise. */
async function main(): Promise<void> {
  const config = loadConfig();
  const app = await createZanApp({ config });
  if (config.roles.includes('api')) {
    await app.listen(config.port, '0.0.0.0');
    console.log(`zan: listening on http://127.0.0.1:${config.port} (roles: ${config.roles.join(', ')})`);
  } else {
    await app.init();
  }
}

main().catch((error) => {
  console.error(`zan: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
