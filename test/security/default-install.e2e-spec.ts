import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runZan } from '../cli/cli-harness';
import { type AppProcess, startApp } from '../support/processes';
import { tokenFor } from '../support/tokens';

jest.setTimeout(180_000);

/** The secret the README and the code used to ship: it must open nothing on a default install. */
const OLD_DOCUMENTED_SECRET = 'zan-dev-secret-change-me-please';

/** A default install: `npm start` with nothing set (no HOST, no ZAN_JWT_SECRET), in its own data folder. */
const defaultEnv = (dataDir: string): Record<string, string | undefined> => ({
  NODE_ENV: 'development',
  HOST: undefined,
  ZAN_JWT_SECRET: undefined,
  ZAN_ID_SECRET: undefined,
  ZAN_EVENT_STORE: undefined,
  KAFKA_BROKERS: undefined,
  REDIS_URL: undefined,
  ZAN_DATA_DIR: dataDir,
  ZAN_LOG_LEVEL: 'warn',
});

const LISTENING = /zan: listening on (http:\/\/(\S+):(\d+))/;

/** An address of this machine other than loopback, if it has one. */
const externalAddress = (): string | undefined =>
  Object.values(networkInterfaces())
    .flat()
    .find((address) => address && address.family === 'IPv4' && !address.internal)?.address;

const connects = (host: string, port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

const walletStatus = async (base: string, token: string): Promise<{ status: number; detail?: string }> => {
  const response = await fetch(`${base}/v1/wallets/me`, { headers: { Authorization: `Bearer ${token}` } });
  const body = (await response.json().catch(() => ({}))) as { detail?: string };
  return { status: response.status, detail: body.detail };
};

describe('a default install (npm start with nothing set)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'zan-default-'));
  const secretFile = join(dataDir, 'jwt-secret');
  let zan: AppProcess | undefined;
  let cliToken = '';
  let firstSecret = '';

  afterAll(async () => {
    await zan?.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('listens on loopback only, says so truthfully, and generates its secret (0600) into the data folder', async () => {
    zan = await startApp('zan', defaultEnv(dataDir), LISTENING);
    const [, base, host, port] = LISTENING.exec(zan.output())!;
    expect(host).toBe('127.0.0.1');
    expect(zan.output()).toMatch(/ZAN_JWT_SECRET is not set: tokens are signed with the secret just generated in .*jwt-secret/);
    expect(await connects('127.0.0.1', Number(port))).toBe(true);
    const external = externalAddress();
    if (external) expect(await connects(external, Number(port))).toBe(false);

    expect(statSync(secretFile).mode & 0o777).toBe(0o600);
    firstSecret = readFileSync(secretFile, 'utf8').trim();
    expect(firstSecret.length).toBeGreaterThanOrEqual(32);

    // `zan token` reads the same secret; its token is accepted.
    const minted = await runZan(
      ['token', 'alice'],
      Object.fromEntries(Object.entries(defaultEnv(dataDir)).filter(([, v]) => v !== undefined)) as Record<string, string>,
    );
    expect(minted.code).toBe(0);
    expect(minted.stderr).toContain(`signed with the secret in ${secretFile}`);
    cliToken = minted.stdout.trim();
    expect([200, 404]).toContain((await walletStatus(base!, cliToken)).status); // authenticated (404: no wallet yet)

    // A token signed with the secret that used to be the default, even an admin one, opens nothing.
    const forged = await walletStatus(base!, tokenFor('mallory', OLD_DOCUMENTED_SECRET, { roles: ['admin'] }));
    expect(forged).toEqual({ status: 401, detail: 'bad token signature' });
    await zan.kill('SIGTERM');
  });

  it('with HOST=0.0.0.0 listens on every interface and logs that; the secret survives the restart', async () => {
    zan = await startApp('zan', { ...defaultEnv(dataDir), HOST: '0.0.0.0' }, LISTENING);
    const [, , host, port] = LISTENING.exec(zan.output())!;
    expect(host).toBe('0.0.0.0');
    expect(zan.output()).toMatch(/tokens are signed with the secret kept in .*jwt-secret/);
    const external = externalAddress();
    if (external) expect(await connects(external, Number(port))).toBe(true);
    expect(readFileSync(secretFile, 'utf8').trim()).toBe(firstSecret);
    expect([200, 404]).toContain((await walletStatus(`http://127.0.0.1:${port}`, cliToken)).status);
  });
});
