import { execFileSync, spawn } from 'node:child_process';
import { lstatSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HistoryBuilder } from '../../apps/cli/src/testing/history';
import { cliStack, type CliStack } from './cli-harness';

jest.setTimeout(120_000);

/** `--out` names where the export goes: a named pipe or a link is written through, never replaced by the rename of `<file>.partial`. */
describe('zan events export --out a pipe or a link', () => {
  let stack: CliStack;
  let dir = '';
  beforeAll(async () => {
    stack = cliStack('cli-export-out-special');
    const h = new HistoryBuilder(new Date('2026-01-01T10:00:00Z'), 60_000);
    h.open('alice').fund('alice', 100);
    await stack.append(h);
    dir = mkdtempSync(join(tmpdir(), 'zan-export-special-'));
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await stack?.dispose();
  });

  it('a named pipe: its reader gets the events, and it stays a pipe', async () => {
    const fifo = join(dir, 'events.fifo');
    execFileSync('mkfifo', [fifo]);
    const reader = spawn('cat', [fifo], { stdio: ['ignore', 'pipe', 'ignore'] });
    let read = '';
    reader.stdout.on('data', (chunk) => (read += chunk));
    try {
      const run = await stack.zan(['events', 'export', '--out', fifo]);
      expect(run.code).toBe(0);
      expect(lstatSync(fifo).isFIFO()).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(
        read
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line).type),
      ).toEqual(['WalletOpened', 'BankCardLinked', 'WalletFunded']);
    } finally {
      reader.kill();
    }
  });

  it('a symbolic link: the file it points to gets the events, and the link stays', async () => {
    const target = join(dir, 'target.ndjson');
    const link = join(dir, 'link.ndjson');
    writeFileSync(target, 'old\n');
    symlinkSync(target, link);
    const run = await stack.zan(['events', 'export', '--out', link]);
    expect(run.code).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(
      readFileSync(target, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).type),
    ).toEqual(['WalletOpened', 'BankCardLinked', 'WalletFunded']);
    expect(readdirSync(dir).filter((name) => name.endsWith('.partial'))).toEqual([]);
  });
});
