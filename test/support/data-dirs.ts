import { cpSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

type PgliteModule = typeof import('@electric-sql/pglite');

/**
 * A data folder for the zero-setup default whose database is already initialized: a fresh PGlite
 * folder costs initdb (2.5 to 5 s on this machine), a copy of an initialized one about 0.1 s. The
 * template holds PGlite's initdb output only, never Zan's schema, so every spec still sees Zan
 * create its tables on first start. Specs of the first start itself (embedded-data-folder,
 * default-install) use an empty folder on purpose.
 */
export const freshDataDir = async (prefix = 'zan-e2e-'): Promise<string> => {
  const dataDir = mkdtempSync(join(tmpdir(), prefix));
  await seedDataDir(dataDir);
  return dataDir;
};

/** Puts an initialized database into the empty data folder `dataDir` (see freshDataDir). */
export const seedDataDir = async (dataDir: string): Promise<void> => {
  cpSync(await pgliteTemplate(), join(dataDir, 'events'), { recursive: true, filter: (source) => !source.endsWith(MARKER) });
};

const MARKER = '.zan-template';
let template: Promise<string> | undefined;

/**
 * One template per PGlite version in the temp folder, shared by every jest worker and run: built in
 * a folder of its own, then renamed into place (a rename is atomic, so a worker never copies a
 * half-built one; the loser of a race throws its copy away).
 */
const pgliteTemplate = (): Promise<string> =>
  (template ??= (async () => {
    // Node's own loader, not Jest's: PGlite imports Node modules dynamically, which Jest's sandbox refuses.
    const nodeModule = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule?.('node:module') as typeof import('node:module');
    const load = nodeModule.createRequire(__filename);
    const { version } = JSON.parse(readFileSync(join(dirname(load.resolve('@electric-sql/pglite')), '..', 'package.json'), 'utf8')) as { version: string };
    const ready = join(tmpdir(), `zan-pglite-template-${version}`);
    if (existsSync(join(ready, MARKER))) return ready;
    const building = mkdtempSync(join(tmpdir(), 'zan-pglite-building-'));
    const { PGlite } = load('@electric-sql/pglite') as PgliteModule;
    const db = new PGlite(building);
    await db.waitReady;
    await db.close();
    writeFileSync(join(building, MARKER), 'initdb output of PGlite, copied by test/support/data-dirs.ts\n');
    try {
      renameSync(building, ready);
    } catch {
      rmSync(building, { recursive: true, force: true });
    }
    if (!existsSync(join(ready, MARKER))) throw new Error(`no PGlite template in ${ready}`);
    return ready;
  })());
