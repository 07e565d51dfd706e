import { existsSync, fsyncSync, readdirSync } from 'node:fs';
import { chmod, mkdir, statfs, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { Mutex, quoteIdent, type SqlClient, type SqlTx } from '../sql/sql-client';
import { DataFolderDamaged, DataFolderLock, DataFolderMissing } from './data-folder-lock';

type PgliteModule = typeof import('@electric-sql/pglite');
/** Written once PGlite started in a folder: from then on a missing PG_VERSION is damage, not an unfinished initdb. */
const STARTED = 'zan-started';
/** Room for two WAL segments (16 MB each) and the tables' growth. */
const MIN_FREE_BYTES = 64 * 2 ** 20;
type Filesystem = NonNullable<import('@electric-sql/pglite').PGliteOptions['fs']>;
type FsInit = Filesystem['init'];
type NodeFsModule = { NodeFS: new (dataDir: string) => Filesystem };

/**
 * Loaded through Node's own module loader: PGlite imports Node modules dynamically while starting,
 * which Jest's module sandbox refuses (without --experimental-vm-modules). Outside Jest this is the
 * same as require.
 */
const nodeRequire = (id: string): unknown => {
  const builtin = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule?.('node:module') as typeof import('node:module') | undefined;
  return (builtin ? builtin.createRequire(__filename) : require)(id);
};
const loadPglite = (): PgliteModule => nodeRequire('@electric-sql/pglite') as PgliteModule;

/**
 * PGlite's folder, made durable. PGlite starts PostgreSQL with fsync off (-F), and Emscripten's
 * NODEFS has no fsync: a commit reached the OS page cache only, so a power cut or an OS crash lost
 * commands already answered 201. PostgreSQL's own fsync is turned back on (fsync() for the WAL:
 * Emscripten's fdatasync is a no-op stub) and NODEFS's fsync is made a real one.
 */
const durableFolder = (pglite: PgliteModule, dataDir: string) => {
  const { NodeFS } = nodeRequire('@electric-sql/pglite/nodefs') as NodeFsModule;
  class DurableNodeFS extends NodeFS {
    override async init(...args: Parameters<FsInit>): ReturnType<FsInit> {
      const result = await super.init(...args);
      type Mod = { NODEFS: { stream_ops: Record<string, unknown>; tryFSOperation: (fn: () => unknown) => unknown } };
      const preRun = [...((result.emscriptenOpts as { preRun?: unknown[] }).preRun ?? [])];
      preRun.push((mod: Mod) => {
        mod.NODEFS.stream_ops.fsync = (stream: { nfd: number }) => mod.NODEFS.tryFSOperation(() => fsyncSync(stream.nfd));
      });
      return { ...result, emscriptenOpts: { ...result.emscriptenOpts, preRun } as typeof result.emscriptenOpts };
    }
  }
  return {
    fs: new DurableNodeFS(dataDir),
    startParams: [...pglite.PGlite.defaultStartParams.filter((param) => param !== '-F'), '-c', 'wal_sync_method=fsync'],
  };
};

/**
 * PGlite (PostgreSQL in WASM) behind SqlClient. It has one session, so every statement and every
 * transaction goes through one in-process mutex: a transaction owns the session until it ends, and
 * close() waits for the work in hand. One process per data folder.
 */
export class PgliteSqlClient implements SqlClient {
  private readonly mutex = new Mutex();
  private closing?: Promise<void>;
  private roomCheckedAt = 0;
  private roomLeft = 0;

  private constructor(
    private readonly db: PGlite,
    private readonly lock?: DataFolderLock,
    private readonly dataDir?: string,
  ) {}

  /**
   * Opens a database in `dataDir` (created if missing, unless `existing`); `memory://` keeps it in
   * memory. The folder is locked first: a second process on it fails with DataFolderInUse.
   */
  static async open(dataDir: string, options: { existing?: boolean } = {}): Promise<PgliteSqlClient> {
    if (dataDir.includes('://')) return PgliteSqlClient.start(dataDir);
    if (options.existing && !existsSync(dataDir)) throw new DataFolderMissing(dataDir);
    // The folder holds every event: nobody else may read or write it (PGlite creates its files 0666).
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    if (!options.existing) await chmod(dataDir, 0o700).catch(() => undefined); // a read-only folder fails below, as before
    const lock = await DataFolderLock.acquire(dataDir);
    try {
      // PGlite runs initdb over a folder without PG_VERSION: a started database that lost it would be wiped.
      const started = existsSync(join(dataDir, STARTED));
      const hasVersion = existsSync(join(dataDir, 'PG_VERSION'));
      if (!hasVersion && (started || (options.existing && readdirSync(dataDir).length > 0))) throw new DataFolderDamaged(dataDir, 'PG_VERSION is missing');
      const client = await PgliteSqlClient.start(dataDir, lock);
      if (!started && !options.existing) await writeFile(join(dataDir, STARTED), 'a Zan database was started here; never re-initialized\n', { mode: 0o600 });
      return client;
    } catch (error) {
      await lock.release();
      throw error;
    }
  }

  private static async start(dataDir: string, lock?: DataFolderLock): Promise<PgliteSqlClient> {
    const pglite = loadPglite();
    const db = dataDir.includes('://') ? new pglite.PGlite(dataDir) : new pglite.PGlite(durableFolder(pglite, dataDir));
    await db.waitReady;
    return new PgliteSqlClient(db, lock, lock ? dataDir : undefined);
  }

  /**
   * PGlite PANICs when the disk is too full for its next WAL segment, and then never answers again
   * (its COMMIT spins on the event loop). Writes are refused first, with SQLSTATE 53100 (disk_full),
   * while the folder's disk has less than MIN_FREE_BYTES: nothing changes, and they work again once
   * space is freed.
   */
  private async assertRoom(): Promise<void> {
    if (!this.dataDir) return;
    const now = Date.now();
    if (now - this.roomCheckedAt < 1_000 && this.roomLeft >= MIN_FREE_BYTES) return;
    const stats = await statfs(this.dataDir);
    this.roomCheckedAt = now;
    this.roomLeft = Number(stats.bavail) * Number(stats.bsize);
    if (this.roomLeft < MIN_FREE_BYTES) {
      throw Object.assign(
        new Error(
          `the disk of ${this.dataDir} is full (${Math.floor(this.roomLeft / 2 ** 20)} MB left; the embedded store needs ${MIN_FREE_BYTES / 2 ** 20} MB free)`,
        ),
        { code: '53100' },
      );
    }
  }

  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<{ rows: R[] }> {
    return this.mutex.run(async () => {
      if (!/^\s*select\b/i.test(text)) await this.assertRoom();
      const result = await this.db.query<R>(text, params as unknown[] | undefined);
      return { rows: result.rows };
    });
  }

  transaction<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T> {
    return this.mutex.run(async () => {
      await this.assertRoom();
      return this.db.transaction((tx) =>
        fn({
          query: async <R>(text: string, params?: readonly unknown[]) => {
            const result = await tx.query<R>(text, params as unknown[] | undefined);
            return { rows: result.rows };
          },
        }),
      );
    });
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
