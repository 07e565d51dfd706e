import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import type { PGlite } from '@electric-sql/pglite';
import { Mutex, quoteIdent, type SqlClient, type SqlTx } from '../sql/sql-client';
import { DataFolderLock, DataFolderMissing } from './data-folder-lock';

type PgliteModule = typeof import('@electric-sql/pglite');

/**
 * Loaded through Node's own module loader: PGlite imports Node modules dynamically while starting,
 * which Jest's module sandbox refuses (without --experimental-vm-modules). Outside Jest this is the
 * same as require.
 */
const loadPglite = (): PgliteModule => {
  const builtin = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule?.('node:module') as typeof import('node:module') | undefined;
  return (builtin ? builtin.createRequire(__filename) : require)('@electric-sql/pglite') as PgliteModule;
};

/**
 * PGlite (PostgreSQL in WASM) behind SqlClient. It has one session, so every statement and every
 * transaction goes through one in-process mutex: a transaction owns the session until it ends, and
 * close() waits for the work in hand. One process per data folder.
 */
export class PgliteSqlClient implements SqlClient {
  private readonly mutex = new Mutex();
  private closing?: Promise<void>;

  private constructor(
    private readonly db: PGlite,
    private readonly lock?: DataFolderLock,
  ) {}

  /**
   * Opens a database in `dataDir` (created if missing, unless `existing`); `memory://` keeps it in
   * memory. The folder is locked first: a second process on it fails with DataFolderInUse.
   */
  static async open(dataDir: string, options: { existing?: boolean } = {}): Promise<PgliteSqlClient> {
    if (dataDir.includes('://')) return PgliteSqlClient.start(dataDir);
    if (options.existing && !existsSync(dataDir)) throw new DataFolderMissing(dataDir);
    await mkdir(dataDir, { recursive: true });
    const lock = await DataFolderLock.acquire(dataDir);
    try {
      return await PgliteSqlClient.start(dataDir, lock);
    } catch (error) {
      await lock.release();
      throw error;
    }
  }

  private static async start(dataDir: string, lock?: DataFolderLock): Promise<PgliteSqlClient> {
    const db = new (loadPglite().PGlite)(dataDir);
    await db.waitReady;
    return new PgliteSqlClient(db, lock);
  }

  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<{ rows: R[] }> {
    return this.mutex.run(async () => {
      const result = await this.db.query<R>(text, params as unknown[] | undefined);
      return { rows: result.rows };
    });
  }

  transaction<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T> {
    return this.mutex.run(() =>
      this.db.transaction((tx) =>
        fn({
          query: async <R>(text: string, params?: readonly unknown[]) => {
            const result = await tx.query<R>(text, params as unknown[] | undefined);
            return { rows: result.rows };
          },
        }),
      ),
    );
  }

  async listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>> {
    const unlisten = await this.db.listen(quoteIdent(channel), onNotify);
    return async () => {
      if (!this.db.closed) await unlisten();
    };
  }

  close(): Promise<void> {
    this.closing ??= this.mutex.run(async () => {
      await this.db.close();
      await this.lock?.release();
    });
    return this.closing;
  }
}
