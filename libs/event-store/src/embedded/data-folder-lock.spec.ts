import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataFolderInUse, DataFolderLock } from './data-folder-lock';

/** A holder in another process: listens on the folder's socket file like acquire() does, and says so. */
const holder = (dir: string, answer: boolean): Promise<ChildProcess> =>
  new Promise((resolve, reject) => {
    const script = `
      const net = require('node:net');
      const server = net.createServer((socket) => { ${answer ? "socket.on('error', () => {}); socket.end('process ' + process.pid);" : ''} });
      server.listen(${JSON.stringify(join(dir, '.zan.lock'))}, () => process.stdout.write('ready\\n'));`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout!.once('data', () => resolve(child));
    child.once('error', reject);
  });

describe('DataFolderLock', () => {
  let dir: string;
  const children: ChildProcess[] = [];
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'zan-lock-'))));
  afterEach(() => {
    for (const child of children.splice(0)) {
      child.kill('SIGCONT');
      child.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('survives an asker that hangs up before the answer (no unhandled EPIPE / ECONNRESET)', async () => {
    const lock = await DataFolderLock.acquire(dir);
    const uncaught: unknown[] = [];
    const onError = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', onError);
    try {
      await Promise.all(
        Array.from(
          { length: 20 },
          () =>
            new Promise<void>((resolve) => {
              const socket = createConnection(join(dir, '.zan.lock'));
              socket.on('connect', () => socket.destroy());
              socket.on('error', () => undefined);
              socket.on('close', () => resolve());
            }),
        ),
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(uncaught).toEqual([]);
      await expect(DataFolderLock.assertFree(dir)).rejects.toBeInstanceOf(DataFolderInUse);
    } finally {
      process.off('uncaughtException', onError);
      await lock.release();
    }
  });

  it('never takes the folder from a holder that is paused (SIGSTOP) or too busy to answer', async () => {
    const paused = await holder(dir, true);
    children.push(paused);
    process.kill(paused.pid!, 'SIGSTOP');
    await expect(DataFolderLock.acquire(dir)).rejects.toThrow(/in use by a process that did not answer/);
    expect(existsSync(join(dir, '.zan.lock'))).toBe(true);
  }, 10_000);

  it('replaces a socket file nobody listens on (a crash) and refuses while a holder answers', async () => {
    const crashed = await holder(dir, true);
    crashed.kill('SIGKILL');
    await new Promise((resolve) => crashed.once('exit', resolve));
    const lock = await DataFolderLock.acquire(dir);
    await expect(DataFolderLock.acquire(dir)).rejects.toThrow(new RegExp(`in use by process ${process.pid}`));
    await lock.release();
  });
});
