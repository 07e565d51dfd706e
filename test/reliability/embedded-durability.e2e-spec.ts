import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmbeddedEventStore } from '@zan/event-store';
import { toProblem } from '../../apps/api/src/http/problem.filter';
import { seedDataDir } from '../support/data-dirs';

/** Durability of the embedded store (PGlite in a folder): what `npm start` keeps the money in. */
jest.setTimeout(180_000);

const ROOT = join(__dirname, '../..');
const CHILD = join(__dirname, '../support/embedded-store-child.ts');
const isRoot = process.getuid?.() === 0;
const has = (tool: string): boolean => {
  try {
    execFileSync('which', [tool], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

/** Runs the child with `prefix` (strace, unshare) before node; resolves with its output, or 'TIMEOUT'. */
const runChild = (args: string[], prefix: string[] = [], timeoutMs = 90_000): Promise<{ out: string; timedOut: boolean }> =>
  new Promise((resolve) => {
    const command = [...prefix, process.execPath, '--require', join(ROOT, 'test/support/register-ts.js'), CHILD, ...args];
    const child = spawn(command[0]!, command.slice(1), { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (out += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve({ out, timedOut: true });
    }, timeoutMs);
    child.on('exit', () => {
      clearTimeout(timer);
      resolve({ out, timedOut: false });
    });
  });

const fresh = async (): Promise<string> => {
  const dir = mkdtempSync(join(tmpdir(), 'zan-durable-'));
  await seedDataDir(dir);
  return join(dir, 'events');
};

describe('embedded store durability', () => {
  (has('strace') ? it : it.skip)('fsyncs the WAL before an append is acknowledged', async () => {
    const dataDir = await fresh();
    const trace = join(dataDir, '..', 'strace.txt');
    const { out } = await runChild(['append-once', dataDir], ['strace', '-f', '-y', '-e', 'trace=fsync,fdatasync,write', '-o', trace]);
    expect(out).toContain('APPENDED');
    const lines = readFileSync(trace, 'utf8').split('\n');
    const acked = lines.findIndex((line) => line.includes('"APPENDED\\n"'));
    expect(acked).toBeGreaterThan(-1);
    const walSyncs = lines.slice(0, acked).filter((line) => /\b(fsync|fdatasync)\(\d+<[^>]*pg_wal\//.test(line));
    // PGlite starts PostgreSQL with -F (fsync off) and Emscripten's NODEFS has no fsync: none at all.
    expect(walSyncs.length).toBeGreaterThan(0);
  });

  (has('strace') ? it : it.skip)('fsyncs a generated secret before it is used (the vault key: every sealed name)', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'zan-durable-secret-'));
    const trace = join(folder, 'strace.txt');
    const { out } = await runChild(['secret', folder], ['strace', '-f', '-y', '-e', 'trace=fsync,fdatasync,write', '-o', trace]);
    expect(out).toContain('SECRET');
    const lines = readFileSync(trace, 'utf8').split('\n');
    const used = lines.findIndex((line) => line.includes('"SECRET\\n"'));
    expect(lines.slice(0, used).filter((line) => /\bfsync\(\d+<[^>]*jwt-secret/.test(line)).length).toBeGreaterThan(0);
    rmSync(folder, { recursive: true, force: true });
  });

  it('keeps the data folder private: no other user may read or rewrite the events', async () => {
    const root = mkdtempSync(join(tmpdir(), 'zan-durable-perm-'));
    const dataDir = join(root, 'events');
    const { eventStore } = await createEmbeddedEventStore({ dataDir });
    await eventStore.close();
    const others = statSync(dataDir).mode & 0o077;
    const worldWritable = readdirSync(dataDir, { recursive: true })
      .map((name) => join(dataDir, String(name)))
      .filter((file) => statSync(file).isFile() && (statSync(file).mode & 0o002) !== 0);
    // Either the folder shuts others out, or no file in it is writable by them.
    expect({ folderOpenToOthers: others !== 0, worldWritable: worldWritable.length > 0 }).not.toEqual({ folderOpenToOthers: true, worldWritable: true });
    rmSync(root, { recursive: true, force: true });
  });

  it('refuses a started folder that lost PG_VERSION instead of re-initializing it (wiping every event)', async () => {
    const dataDir = await fresh();
    const first = await createEmbeddedEventStore({ dataDir });
    await first.eventStore.append(
      'kept',
      [{ id: '6f1c1c3e-1b7e-4d6a-9a53-0c1d2e3f4a5b', type: 'Kept', occurredAt: new Date().toISOString(), data: {}, metadata: {} } as never],
      'no_stream',
    );
    await first.eventStore.close();
    const version = readFileSync(join(dataDir, 'PG_VERSION'));
    unlinkSync(join(dataDir, 'PG_VERSION'));

    const reopened = createEmbeddedEventStore({ dataDir });
    let events = -1;
    await reopened.then(
      async (store) => {
        events = (await store.eventStore.readAll()).length;
        await store.eventStore.close();
      },
      () => undefined,
    );
    expect(events).toBe(-1); // opened: it ran initdb over the folder and found 0 events
    await expect(reopened).rejects.toThrow(/PG_VERSION/);
    // Nothing was touched: with the file put back, every event is there.
    writeFileSync(join(dataDir, 'PG_VERSION'), version);
    const restored = await createEmbeddedEventStore({ dataDir });
    expect((await restored.eventStore.readStream('kept')).map((event) => event.type)).toEqual(['Kept']);
    await restored.eventStore.close();
  });

  (isRoot && has('unshare') ? it : it.skip)('locks the folder against a process in another network namespace (a second container on the volume)', async () => {
    const dataDir = await fresh();
    const holder = spawn(process.execPath, ['--require', join(ROOT, 'test/support/register-ts.js'), CHILD, 'hold', dataDir], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let held = '';
    holder.stdout.on('data', (chunk) => (held += chunk));
    try {
      for (let i = 0; i < 600 && !held.includes('OPENED'); i++) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(held).toContain('OPENED');
      const second = await runChild(['append-once', dataDir], ['unshare', '-n']);
      expect(second.out).not.toContain('APPENDED');
      expect(second.out).toMatch(/in use by/);
    } finally {
      holder.kill('SIGKILL');
    }
  });

  (isRoot ? it : it.skip)(
    'a full disk refuses appends with disk_full (53100, a 503) and never wedges the process; writes resume once space is freed',
    async () => {
      const mount = mkdtempSync(join(tmpdir(), 'zan-durable-full-'));
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=200m', 'tmpfs', mount]);
      try {
        await seedDataDir(mount);
        const dataDir = join(mount, 'events');
        expect((await runChild(['append-once', dataDir])).out).toContain('APPENDED'); // Zan's schema in place
        const running = runChild(['fill', dataDir], [], 120_000);
        await new Promise((resolve) => setTimeout(resolve, 8_000)); // opened (PGlite starts in 1-5 s)
        // Leave a little more room than the current WAL segment has left: the next segment (16 MB) cannot be created.
        const wal = readdirSync(join(dataDir, 'pg_wal'))
          .filter((name) => /^[0-9A-F]{24}$/.test(name))
          .sort()
          .pop()!;
        const bytes = readFileSync(join(dataDir, 'pg_wal', wal));
        let end = bytes.length - 1;
        while (end > 0 && bytes[end] === 0) end--;
        const free = () => Number(execFileSync('df', ['-B1', '--output=avail', mount]).toString().split('\n')[1]);
        const filler = join(mount, 'filler');
        const room = bytes.length - end + 2 ** 20;
        writeFileSync(filler, Buffer.alloc(Math.max(0, free() - room)));
        writeFileSync(join(mount, 'go'), '');
        const full = await running;
        console.log(`fill: ${full.out.slice(-400)}`);
        expect(full.timedOut).toBe(false);
        const result = JSON.parse(/RESULT (.*)/.exec(full.out)![1]!) as { stored: number; count: number; code?: string };
        expect(result.code).toBe('53100');
        expect(result.count).toBe(result.stored + 1); // nothing half-applied (the 1: append-once's event)
        expect(toProblem(Object.assign(new Error('disk full'), { code: '53100' })).problem.status).toBe(503);

        rmSync(filler);
        const after = await runChild(['append-once', dataDir]);
        expect(after.out).toContain('APPENDED');
      } finally {
        try {
          execFileSync('umount', [mount]);
        } catch {
          execFileSync('umount', ['-l', mount]); // a killed child may still hold it
        }
        rmSync(mount, { recursive: true, force: true });
      }
    },
  );
});
