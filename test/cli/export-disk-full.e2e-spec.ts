import { existsSync, lstatSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HistoryBuilder } from '../../apps/cli/src/testing/history';
import { cliStack, type CliStack } from './cli-harness';

jest.setTimeout(120_000);

/**
 * README, "CLI": "A file is written as <file>.partial and renamed when complete". A disk that fills
 * (here /dev/full behind the .partial name) is exit 4 and one line, and the short file is never renamed.
 */
(existsSync('/dev/full') ? describe : describe.skip)('zan events export --out on a full disk', () => {
  let stack: CliStack;
  let dir = '';
  beforeAll(async () => {
    stack = cliStack('cli-export-disk-full');
    const h = new HistoryBuilder(new Date('2026-01-01T10:00:00Z'), 60_000);
    h.open('alice').fund('alice', 100);
    await stack.append(h);
    dir = mkdtempSync(join(tmpdir(), 'zan-export-full-'));
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await stack?.dispose();
  });

  it('exit 4, "cannot write", nothing renamed into place', async () => {
    const out = join(dir, 'events.ndjson');
    symlinkSync('/dev/full', `${out}.partial`);
    const run = await stack.zan(['events', 'export', '--out', out]);
    expect({ code: run.code, stderr: run.stderr.split('\n')[0] }).toEqual({
      code: 4,
      stderr: expect.stringMatching(/^zan: cannot write .*events\.ndjson: .*ENOSPC/),
    });
    expect(readdirSync(dir)).toEqual([]);
    expect(lstatSync('/dev/full').isCharacterDevice()).toBe(true);
  });
});
