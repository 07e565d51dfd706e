/**
 * CPU per claim, per process, in the hot-packet storm: what one claim (almost always a refusal,
 * 410 red-packet-gone) costs the machine, measured as bench/cpu-per-tip.ts measures a tip.
 *
 *   node --require ./infra/register-ts.js bench/cpu-per-claim.ts             # CLAIMERS=10000 (over 200 connections, as the claim storm)
 *   CPU_PROF=1 node --require ./infra/register-ts.js bench/cpu-per-claim.ts  # + .cpuprofile and .queries.json per app in bench/results/profiles/
 *
 * The claim storm's stack (api, relay, projector as processes; bench/lib/stack.ts). A warm-up packet
 * of 100 shares is claimed by 1,000 claimers of its own; then a second packet of 100 shares is sent,
 * and the window opens: CLAIMERS distinct claimers (each its own token, never seen by the api, and
 * its own Idempotency-Key) claim it at once over the claim storm's 200 connections, and the window closes when
 * the credits, the relay and the read models are at the head. Per claim: CPU of each app, of the
 * PostgreSQL backends serving them, PostgreSQL commits and Redis commands (bench/lib/cpu-per-process.ts),
 * and the rows the idempotency table gained.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import Redis from 'ioredis';
import { describeLoadAverage, openCpuWindow } from './lib/cpu-per-process';
import { benchEnv, serversOf } from './lib/servers';
import { bearer, startStack, sleep } from './lib/stack';
import { describeStatuses } from './lib/load';
import { CLAIM_CONNECTIONS, describeOutcome, sendPackets, storm, wins } from './scenarios/claim-storm';

const CLAIMERS = Number(process.env.CLAIMERS ?? 10_000);

const WARM_UP = 1_000;
const SHARES = 100;
const AMOUNT = 20_000;
const PROFILE_DIR = join(__dirname, 'results', 'profiles');

async function main(): Promise<void> {
  const context = { env: benchEnv(), scale: 0.1, log: console.log };
  const servers = serversOf(context);
  const run = Date.now().toString(36);
  const sender = `claim-sender-${run}`;
  const crowd = (name: string, n: number) => Array.from({ length: n }, (_, i) => `${name}${i}-${run}`);
  const warmers = crowd('warmer', WARM_UP);
  const claimers = crowd('claimer', CLAIMERS);
  const tokens = new Map([...warmers, ...claimers].map((userId) => [userId, bearer(userId)]));
  const env: Record<string, string> = {};
  if (process.env.CPU_PROF) {
    mkdirSync(PROFILE_DIR, { recursive: true });
    env.NODE_OPTIONS = `--require ${join(__dirname, 'lib', 'cpu-profile-preload.js')}`;
    env.CPU_PROF_DIR = PROFILE_DIR;
  }
  const stack = await startStack(context, 'cpuclaim', { wallets: [{ userId: sender, funding: 2 * AMOUNT }], env });
  const pg = new Client({ connectionString: servers.databaseUrl });
  await pg.connect();
  const redis = new Redis(servers.redisUrl);
  const idempotencyRows = async () =>
    Number((await pg.query<{ n: string }>(`SELECT count(*)::text AS n FROM "${stack.env.ZAN_PG_SCHEMA}".idempotency`)).rows[0]!.n);
  try {
    const [warm] = await sendPackets(stack, [sender], 1, AMOUNT, SHARES);
    await storm(
      stack.apiUrl,
      warmers.map((userId) => ({ packet: warm!, userId })),
      tokens,
    );
    const [hot] = await sendPackets(stack, [sender], 1, AMOUNT, SHARES);
    await stack.quiet(120_000);
    await sleep(500);
    const apps = stack.pids();
    const rowsBefore = await idempotencyRows();
    const window = await openCpuWindow(pg, redis, apps);
    if (process.env.CPU_PROF) for (const pid of Object.values(apps)) process.kill(pid, 'SIGUSR2');
    const loadAverage = describeLoadAverage();
    const outcome = await storm(
      stack.apiUrl,
      claimers.map((userId) => ({ packet: hot!, userId })),
      tokens,
    );
    await stack.quiet(300_000);
    const cpu = await window.close(CLAIMERS);
    const rows = (await idempotencyRows()) - rowsBefore;
    const ok = wins(outcome) === SHARES && outcome.refused.get('red-packet-gone') === CLAIMERS - SHARES;
    console.log(
      [
        `${describeOutcome('hot packet', outcome, CLAIMERS)}`,
        `${ok ? 'exact' : 'NOT EXACT'}: ${describeStatuses(outcome.load.byStatus)}; window to quiet ${cpu.seconds.toFixed(1)} s; ${loadAverage} at the start; over ${CLAIM_CONNECTIONS} connections`,
        `idempotency rows written per claim: ${(rows / CLAIMERS).toFixed(2)}`,
        ...cpu.lines.map((line) => line.replace(/per tip/g, 'per claim')),
      ].join('\n'),
    );
    if (!ok) process.exitCode = 1;
  } finally {
    await pg.end();
    redis.disconnect();
    await stack.close();
  }
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
