import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { HistoryBuilder } from '../../apps/cli/src/testing/history';
import { cliStack, type CliStack } from './cli-harness';

jest.setTimeout(120_000);

/** README, "CLI": "a closed pipe (| head) ends the export quietly". */
describe('zan events export | head', () => {
  let stack: CliStack;
  beforeAll(async () => {
    stack = cliStack('cli-export-pipe');
    const h = new HistoryBuilder(new Date('2026-01-01T10:00:00Z'), 1_000);
    h.open('alice');
    for (let i = 0; i < 2_500; i++) h.fund('alice', 100); // more than one page of 2000
    await stack.append(h);
  });
  afterAll(async () => stack?.dispose());

  it.each([['ndjson'], ['csv']])('%s: ends quietly with exit 0 when the reader closes the pipe', async (format) => {
    const root = join(__dirname, '../..');
    const run = await new Promise<{ stdout: string; stderr: string }>((resolve) => {
      // pipefail: the shell's status is zan's when head succeeded.
      const child = spawn('bash', ['-c', `set -o pipefail; node bin/zan.js events export --format ${format} | head -1; echo "zan exit $?" >&2`], {
        cwd: root,
        env: { ...process.env, ...stack.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c) => (stdout += c));
      child.stderr.on('data', (c) => (stderr += c));
      child.on('exit', () => resolve({ stdout, stderr }));
    });
    expect(run.stdout.split('\n').filter(Boolean)).toHaveLength(1);
    expect(run.stderr).toBe('zan exit 0\n');
  });
});
