import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { HistoryBuilder } from '../../apps/cli/src/testing/history';
import { STACK_LINE, cliStack, type CliStack } from './cli-harness';

jest.setTimeout(120_000);

/** README, "CLI": errors are one line on stderr, never a stack trace; 4 is "another failure", 1 only "findings". */
describe('zan writing to a stdout that fails (a full disk)', () => {
  let stack: CliStack;
  beforeAll(async () => {
    stack = cliStack('cli-output-write-error');
    const h = new HistoryBuilder(new Date('2026-01-01T10:00:00Z'), 1_000);
    h.open('alice').fund('alice', 100);
    await stack.append(h);
  });
  afterAll(async () => stack?.dispose());

  const run = (argv: string) =>
    new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn('bash', ['-c', `node bin/zan.js ${argv} > /dev/full`], {
        cwd: join(__dirname, '../..'),
        env: { ...process.env, ...stack.env, ZAN_CLI_FROM_SOURCE: '1' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (c) => (stderr += c));
      child.on('exit', (code) => resolve({ code, stderr }));
    });

  const it_ = existsSync('/dev/full') ? it.each : it.skip.each;
  it_([['events export'], ['events export --format csv'], ['stats --json'], ['audit --no-read-models']])(
    'zan %s > /dev/full: exit 4, one line',
    async (argv) => {
      const result = await run(argv);
      expect(result).toEqual({ code: 4, stderr: expect.stringMatching(/^zan: cannot write the output: .*ENOSPC/) });
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).not.toMatch(STACK_LINE);
    },
  );
});
