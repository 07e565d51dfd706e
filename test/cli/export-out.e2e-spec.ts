import { mkdtempSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HistoryBuilder } from '../../apps/cli/src/testing/history';
import { STACK_LINE, cliStack, spawnZan, type CliStack } from './cli-harness';

jest.setTimeout(120_000);

/** An --out the CLI cannot write is one line and exit 2, before anything is read; never an unhandled 'error' event. */
describe('zan events export --out a path it cannot write', () => {
  let stack: CliStack;
  let dir = '';
  beforeAll(async () => {
    stack = cliStack('cli-export-out');
    const h = new HistoryBuilder(new Date('2026-01-01T10:00:00Z'), 60_000);
    h.open('alice').fund('alice', 100);
    await stack.append(h);
    dir = mkdtempSync(join(tmpdir(), 'zan-export-out-'));
    mkdirSync(join(dir, 'adir'));
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await stack?.dispose();
  });

  it.each([
    ['a missing folder', () => join(dir, 'missing', 'x.ndjson'), /--out .*missing\/x\.ndjson: cannot create .*ENOENT/],
    ['a file taken for a folder', () => '/etc/passwd/x.ndjson', /--out \/etc\/passwd\/x\.ndjson: cannot create .*ENOTDIR/],
    ['a directory', () => join(dir, 'adir'), /--out .*adir is a directory/],
  ])('%s: exit 2, one line, no stack trace, nothing left behind', async (_what, out, message) => {
    const run = await spawnZan(['events', 'export', '--out', out()], stack.env).exit;
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 2, stderr: expect.stringMatching(message) });
    expect(run.stderr).not.toMatch(STACK_LINE);
    expect(run.stderr).not.toMatch(/Unhandled 'error' event/);
    expect(readdirSync(dir)).toEqual(['adir']);
  });
});
