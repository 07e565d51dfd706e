import { loadConfig } from '../zan.config';
import { loggedUrl, prettyLogs } from './logging';

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

describe('loggedUrl', () => {
  it('redacts a credential a client put in the query string, and leaves the rest as it came', () => {
    expect(loggedUrl('/v1/wallets/me?token=eyJhbGciOi.x.y&limit=5')).toBe('/v1/wallets/me?token=[redacted]&limit=5');
    expect(loggedUrl('/v1/feeds/me?limit=5&access_token=abc&api_key=k&X-Signature=s')).toBe(
      '/v1/feeds/me?limit=5&access_token=[redacted]&api_key=[redacted]&X-Signature=[redacted]',
    );
    expect(loggedUrl('/v1/orders/me?limit=20&before=MTIz')).toBe('/v1/orders/me?limit=20&before=MTIz');
    expect(loggedUrl('/v1/tips')).toBe('/v1/tips');
    expect(loggedUrl(undefined)).toBeUndefined();
  });
});
