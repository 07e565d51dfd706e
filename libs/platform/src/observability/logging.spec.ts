import { loadConfig } from '../zan.config';
import { prettyLogs } from './logging';

/** pino's usual split: pretty lines for a person at a terminal, JSON lines for every machine. */
describe('prettyLogs', () => {
  it.each([
    [{}, true, true],
    [{}, false, false],
    [{ NODE_ENV: 'production' }, true, false],
    [{ ZAN_LOG_FORMAT: 'json' }, true, false],
    [{ ZAN_LOG_FORMAT: 'pretty' }, false, true],
  ])('%j with a terminal: %s -> pretty: %s', (env, terminal, pretty) => {
    expect(prettyLogs(loadConfig({ ZAN_JWT_SECRET: 'a-secret-of-16-chars-or-more', ...env }), terminal)).toBe(pretty);
  });
});
