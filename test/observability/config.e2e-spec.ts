import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

const ROOT = join(__dirname, '../..');

/** Runs an app's main.ts and returns how it ended: exit code and what it wrote. */
const run = (app: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--require', join(ROOT, 'infra/register-ts.js'), join(ROOT, 'apps', app, 'src', 'main.ts')], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${app} still running after 30 s:\n${stdout}${stderr}`));
    }, 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });

/** Every app stops at start on a bad setting, with exactly one line that names it, and nothing else. */
describe('a bad setting stops every app', () => {
  it.each([
    ['zan', { PORT: 'eighty' }, /^zan: invalid setting PORT: "PORT" must be a number$/],
    ['api', { ZAN_READ_WAIT_MS: 'soon' }, /^zan api: invalid setting ZAN_READ_WAIT_MS: /],
    ['relay', { KAFKA_BROKERS: 'a, b' }, /^zan relay: invalid setting KAFKA_BROKERS: /],
    ['projector', { REDIS_URL: 'http://127.0.0.1:6379' }, /^zan projector: invalid setting REDIS_URL: /],
    // Checked where the vault's keys are loaded (secrets.ts), inside the app's start.
    [
      'zan',
      { NODE_ENV: 'production', ZAN_JWT_SECRET: 'a-production-secret-0123456789' },
      /^zan: invalid setting ZAN_VAULT_MASTER_KEY: required in production$/,
    ],
  ])(
    '%s with %j',
    async (app, env, line) => {
      const { code, stdout, stderr } = await run(app, env);
      expect(code).toBe(1);
      expect(stdout).toBe('');
      expect(stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(line)]);
    },
    40_000,
  );
});

/** A port nothing listens on: taken from the OS, then given back. */
const closedPort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

/**
 * A service the app cannot reach at start (its event store) stops it as a bad setting does: exit 1
 * and one line saying why, not Nest's narration and a stack trace in its own format.
 */
describe('an unreachable event store stops every app that opens it', () => {
  it.each([
    ['zan', /^zan: connect ECONNREFUSED 127\.0\.0\.1:\d+$/],
    ['api', /^zan api: connect ECONNREFUSED 127\.0\.0\.1:\d+$/],
  ])(
    '%s',
    async (app, line) => {
      const port = await closedPort();
      const env = { ZAN_EVENT_STORE: `postgres://postgres@127.0.0.1:${port}/test`, REDIS_URL: 'redis://127.0.0.1:6379', ZAN_LOG_FORMAT: 'json' };
      const { code, stdout, stderr } = await run(app, env);
      expect(code).toBe(1);
      expect(stdout).toBe('');
      expect(stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(line)]);
    },
    40_000,
  );
});
