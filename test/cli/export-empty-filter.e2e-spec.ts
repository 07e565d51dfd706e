import { HistoryBuilder } from '../../apps/cli/src/testing/history';
import { STACK_LINE, cliStack, type CliStack } from './cli-harness';

jest.setTimeout(60_000);

/** A filter given with an empty value (`--user "$U"`, U unset) is refused, not dropped. */
describe('zan events export with an empty filter value', () => {
  let stack: CliStack;
  beforeAll(async () => {
    stack = cliStack('cli-export-empty');
    const h = new HistoryBuilder(new Date('2026-01-01T10:00:00Z'), 60_000);
    h.open('alice').open('bob').fund('alice', 100).fund('bob', 200);
    await stack.append(h);
  });
  afterAll(async () => stack?.dispose());

  it.each([[['--user', '']], [['--user', ' , ']], [['--stream', '']], [['--category', '']], [['--type', ',']]])(
    '%j: exit 2, nothing exported',
    async (flags) => {
      const run = await stack.zan(['events', 'export', ...flags]);
      expect({ code: run.code, stdout: run.stdout }).toEqual({ code: 2, stdout: '' });
      expect(run.stderr).toMatch(new RegExp(`^zan: ${flags[0]} needs a value`));
      expect(run.stderr).not.toMatch(STACK_LINE);
    },
  );
});
