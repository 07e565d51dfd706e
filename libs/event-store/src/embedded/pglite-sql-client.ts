import { mkdir } from 'node:fs/promises';
import type { PGlite } from '@electric-sql/pglite';
import { Mutex, quoteIdent, type SqlClient, type SqlTx } from '../sql/sql-client';

type PgliteModule = typeof import('@electric-sql/pglite');

/**
 * Loaded through Node's own module loader: PGlite imports Node modules dynamically while starting,
 * which Jest's module sandbox refuses (without --experimental-vm-modules). Outside Jest this is the
 * same as require.
 */
const loadPglite = (): PgliteModule => {
  const builtin = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule?.('node:module') as
    | typeof import('node:module')
    | undefined;
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

  private constructor(private readonly db: PGlite) {}

  /** Opens (creating if missing) a database in `dataDir`; `memory://` keeps it in memory. */
  static async open(dataDir: string): Promise<PgliteSqlClient> {
    if (!dataDir.includes('://')) await mkdir(dataDir, { recursive: true });
    const db = new (loadPglite().PGlite)(dataDir);
    await db.waitReady;
    return new PgliteSqlClient(db);
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
    this.closing ??= this.mutex.run(() => this.db.close());
    return this.closing;
  }
}
