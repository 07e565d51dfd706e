import { createHash } from 'node:crypto';
import { existsSync, realpathSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { join, resolve } from 'node:path';

/** Another process holds the data folder: opening it too would lose one of the two's writes. */
export class DataFolderInUse extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: string,
  ) {
    super(`the data folder ${dataDir} is in use by ${holder}; stop that process first (one process per folder), or use its HTTP api`);
    this.name = 'DataFolderInUse';
  }
}

/** A data folder PGlite would silently re-initialize (wiping it): refused instead. */
export class DataFolderDamaged extends Error {
  constructor(
    readonly dataDir: string,
    readonly what: string,
  ) {
    super(`the data folder ${dataDir} is damaged (${what}); Zan will not re-initialize it: restore it from a backup`);
    this.name = 'DataFolderDamaged';
  }
}

/** A reader (the CLI) was pointed at a data folder that does not exist: nothing is created for it. */
export class DataFolderMissing extends Error {
  constructor(readonly dataDir: string) {
    super(`the data folder ${dataDir} does not exist (check ZAN_DATA_DIR)`);
    this.name = 'DataFolderMissing';
  }
}

/**
 * An exclusive lock on a data folder, held by listening on a unix socket named after it. The OS
 * frees it when the process dies, however it dies (SIGKILL included): no stale pid file, no pid
 * reuse to guard against. On Linux the socket lives in the abstract namespace (no file at all);
 * elsewhere it is a socket file in the folder, whose stale copy after a crash is noticed (a connection
 * to it is refused) and replaced; a holder that accepts but does not answer (paused, busy) holds it.
 * Left open: two processes starting in the same instant on a stale socket file can both replace it
 * (the check and the replacement are two steps). Whoever knocks learns who holds it (pid and command line), for the error.
 */
export class DataFolderLock {
  private constructor(private readonly server: Server) {}

  static async acquire(dataDir: string): Promise<DataFolderLock> {
    const address = lockAddress(dataDir);
    const server = createServer((socket) => {
      // An asker that hangs up first (its timeout, a probe) must not end the holder with an
      // unhandled EPIPE or ECONNRESET: the lock, and the process, stay.
      socket.on('error', () => undefined);
      socket.end(`process ${process.pid} (${process.argv.slice(1).join(' ')})`);
    });
    server.unref();
    try {
      await listen(server, address);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
      const holder = await ask(address);
      if (holder !== undefined || address.startsWith('\0')) throw new DataFolderInUse(dataDir, holder ?? 'another process');
      // A socket file left by a crash: nobody answers it.
      unlinkSync(address);
      await listen(server, address);
    }
    return new DataFolderLock(server);
  }

  /**
   * Throws DataFolderInUse when a process holds the folder: for a one-line refusal before anything
   * starts. The lock taken by acquire() stays what keeps two processes apart.
   */
  static async assertFree(dataDir: string): Promise<void> {
    const holder = await ask(lockAddress(dataDir));
    if (holder !== undefined) throw new DataFolderInUse(dataDir, holder);
  }

  release(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/**
 * A socket file in the folder: the folder's own inode names the lock, so it holds across network
 * namespaces (two containers on one volume) and other paths to the folder (bind mounts, which an
 * abstract socket named after the path missed). The abstract namespace only for a path too long for
 * a socket address (108 bytes).
 */
const lockAddress = (dataDir: string): string => {
  const path = existsSync(dataDir) ? realpathSync(dataDir) : resolve(dataDir);
  const file = join(path, '.zan.lock');
  if (process.platform === 'linux' && Buffer.byteLength(file) > 107) return `\0zan-data-folder:${createHash('sha256').update(path).digest('hex')}`;
  return file;
};

const listen = (server: Server, address: string): Promise<void> =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(address, () => {
      server.off('error', reject);
      resolve();
    });
  });

/**
 * The holder's description, or undefined when nobody listens (a stale socket file: the connection is
 * refused). A connection accepted is a holder, even one that does not answer in time: a process
 * whose event loop is busy (PGlite starting or recovering, a long GC) or paused (SIGSTOP, a debugger,
 * a frozen VM) still holds the folder, and taking its socket over would put two processes on it.
 */
const ask = (address: string): Promise<string | undefined> =>
  new Promise((resolve) => {
    const socket = createConnection(address);
    let said = '';
    let connected = false;
    const silent = 'a process that did not answer within 2 s (busy or paused)';
    socket.once('connect', () => (connected = true));
    socket.setTimeout(2_000, () => socket.destroy());
    socket.on('data', (chunk) => (said += chunk.toString()));
    socket.on('end', () => resolve(said || 'another process'));
    // Only a refused connection (or no socket at all) says nobody holds it; any other failure to knock
    // (a socket file this user may not open, say) is not taken as leave to replace it.
    socket.on('error', (error: NodeJS.ErrnoException) =>
      resolve(
        said ||
          (connected ? silent : error.code === 'ECONNREFUSED' || error.code === 'ENOENT' ? undefined : `another process (${error.code ?? error.message})`),
      ),
    );
    socket.on('close', () => resolve(said || (connected ? silent : undefined)));
  });
