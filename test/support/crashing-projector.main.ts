import 'reflect-metadata';
import { createAdapters, loadConfig } from '@zan/platform';
import { createZanApp } from '../../apps/zan/src/zan.app';
import { crashingStore, crashPointFrom } from './crashing-projector';

/**
 * The projector process of the kill tests: the real projector, its read-model store behind the crash
 * point ZAN_TEST_PROJECTOR_CRASH_AT (see crashPointFrom). Production code knows nothing of it.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const crashAt = crashPointFrom(process.env.ZAN_TEST_PROJECTOR_CRASH_AT);
  const adapters = await createAdapters(config, ['projector']);
  const readModels = crashAt && adapters.readModels ? crashingStore(adapters.readModels, crashAt) : adapters.readModels;
  const app = await createZanApp({ config, roles: ['projector'], adapters: { ...adapters, readModels } });
  await app.init();
}

main().catch((error) => {
  console.error(`crashing projector: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
