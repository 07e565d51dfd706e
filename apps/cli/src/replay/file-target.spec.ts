import { existsSync, lstatSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileReplayTarget } from './file-target';

/** A save that cannot be written whole (a full disk: /dev/full behind the temp file's name) fails, and the last good file stays. */
(existsSync('/dev/full') ? describe : describe.skip)('FileReplayTarget on a full disk', () => {
  let dir = '';
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'zan-replay-full-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('rejects with the write error and never renames the short temp file over the replay', async () => {
    const path = join(dir, 'replay.ndjson');
    writeFileSync(path, 'the last good save\n');
    symlinkSync('/dev/full', `${path}.tmp`);
    const target = new FileReplayTarget(path);
    await expect(target.begin({ projections: ['balances'], to: 10n })).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(readFileSync(path, 'utf8')).toBe('the last good save\n');
    expect(existsSync(`${path}.tmp`)).toBe(false);
    expect(lstatSync('/dev/full').isCharacterDevice()).toBe(true);
  });
});

/** A target that can never be written is a usage error (exit 2) before any event is read, as export's --out. */
describe('FileReplayTarget refused up front', () => {
  let dir = '';
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'zan-replay-target-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a directory', async () => {
    await expect(new FileReplayTarget(dir).open()).rejects.toMatchObject({ exitCode: 2, message: expect.stringContaining('is a directory') });
  });

  it('a file in a folder that does not exist', async () => {
    await expect(new FileReplayTarget(join(dir, 'missing', 'replay.ndjson')).open()).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringContaining('cannot write in'),
    });
  });
});
