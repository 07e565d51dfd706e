import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client as PgClient } from 'pg';
import { runZan } from '../cli/cli-harness';
import { clientFor, fundedUser } from '../support/http-client';
import { isolation, testServers } from '../support/isolation';
import { startApp, spawnApp, type AppProcess } from '../support/processes';
import { TEST_JWT_SECRET } from '../support/tokens';

/**
 * The embedded store belongs to one process (PGlite has one session and no locking across
 * processes): two `npm start` on one folder once both answered 201 at the same position and lost a
 * funding. Real processes, real SIGKILL.
 */
jest.setTimeout(180_000);

const LISTENING = /zan: listening on (http:\/\/127\.0\.0\.1:\d+)/;
const urlOf = (app: AppProcess): string => LISTENING.exec(app.output())![1]!;

describe('one process per embedded data folder', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'zan-lock-'));
  const env = { ZAN_DATA_DIR: dataDir, ZAN_JWT_SECRET: TEST_JWT_SECRET };
  const cliEnv = { NODE_ENV: 'test', ZAN_DATA_DIR: dataDir, ZAN_JWT_SECRET: TEST_JWT_SECRET, ZAN_NO_PROGRESS: '1' };
  const running: AppProcess[] = [];

  afterAll(async () => {
    await Promise.all(running.map((app) => app.kill()));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses a second process with a one-line error, the first keeps serving; SIGKILL frees the folder', async () => {
    const first = await startApp('zan', env, LISTENING);
    running.push(first);
    const { client } = await fundedUser(urlOf(first), 'ana', 1_000);

    const second = spawnApp('zan', env);
    const ended = await second.exited;
    expect(ended.code).not.toBe(0);
    const lines = second
      .output()
      .trim()
      .split('\n')
      .filter((line) => line.startsWith('zan: '));
    expect(lines).toEqual([
      expect.stringMatching(new RegExp(`^zan: the data folder .*events is in use by process ${first.child.pid} .*; stop that process first`)),
    ]);

    // The CLI on the folder in use refuses too, saying what to do; it never reads a stale copy.
    const audit = await runZan(['audit'], cliEnv);
    expect(audit.code).not.toBe(0);
    expect(audit.stderr).toMatch(/in use by process \d+ .*stop that process first/);

    await clientFor(urlOf(first), 'ana').post('/v1/wallets/me/fundings', { amount: 5, cardId: 'card-ana' }).expect(201);
    await client.get('/v1/wallets/me').expect(200);

    await first.kill('SIGKILL');
    const third = await startApp('zan', env, LISTENING);
    running.push(third);
    const wallet = await clientFor(urlOf(third), 'ana').get('/v1/wallets/me?after=0').expect(200);
    expect(wallet.body.userId).toBe('ana');
    await third.kill('SIGTERM');
    // With no server on the folder, the CLI reads it.
    const stats = await runZan(['stats'], cliEnv);
    expect(stats.code).toBe(0);
  });
});

describe('read-only CLI commands create nothing', () => {
  it('a missing data folder: exit 2 (a bad setting), "does not exist", no folder made', async () => {
    const missing = join(tmpdir(), `zan-missing-${process.pid}-${Date.now()}`);
    for (const command of [['audit'], ['stats'], ['events', 'export'], ['balance', 'ana']]) {
      const run = await runZan(command, { NODE_ENV: 'test', ZAN_DATA_DIR: missing, ZAN_JWT_SECRET: TEST_JWT_SECRET, ZAN_NO_PROGRESS: '1' });
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/data folder .* does not exist/);
      expect(existsSync(missing)).toBe(false);
    }
  });

  it('a mistyped ZAN_PG_SCHEMA: exit 2 (a bad setting), "schema X does not exist", no schema made', async () => {
    const { pgSchema } = isolation('typo');
    const env = {
      NODE_ENV: 'test',
      ZAN_EVENT_STORE: testServers().databaseUrl,
      ZAN_PG_SCHEMA: pgSchema,
      ZAN_JWT_SECRET: TEST_JWT_SECRET,
      ZAN_NO_PROGRESS: '1',
    };
    for (const command of [['audit'], ['stats'], ['events', 'export']]) {
      const run = await runZan(command, env);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`schema ${pgSchema} does not exist`);
    }
    const pg = new PgClient({ connectionString: testServers().databaseUrl });
    await pg.connect();
    const { rows } = await pg.query('SELECT 1 FROM information_schema.schemata WHERE schema_name = $1', [pgSchema]);
    await pg.end();
    expect(rows).toHaveLength(0);
  });
});
