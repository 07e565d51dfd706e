/**
 * CPU per claim, per process, in the hot-packet storm: what one claim (almost always a refusal,
 * 410 red-packet-gone) costs the machine, measured as bench/cpu-per-tip.ts measures a tip. With
 * PROBE=orders, the same for the flash sale's orders (410 sold-out).
 *
 *   node --require ./infra/register-ts.js bench/cpu-per-claim.ts             # CLAIMERS=10000 (over 200 connections, as the claim storm)
 *   PROBE=orders node --require ./infra/register-ts.js bench/cpu-per-claim.ts   # 10,000 buyers on 100 units (flash-sale.ts's rush)
 *   CPU_PROF=1 node --require ./infra/register-ts.js bench/cpu-per-claim.ts  # + .cpuprofile and .queries.json per app in bench/results/profiles/
 *   WARM_UP=0 node --require ./infra/register-ts.js bench/cpu-per-claim.ts   # no warm-up crowd: the api meets the storm cold
 *
 * The claim storm's stack (api, relay, projector as processes; bench/lib/stack.ts). A warm-up packet
 * of 100 shares is claimed by 1,000 claimers of its own; then a second packet of 100 shares is sent,
 * and the window opens: CLAIMERS distinct claimers (each its own token, never seen by the api, and
 * its own Idempotency-Key) claim it at once over the claim storm's 200 connections, and the window closes when
 * the credits, the relay and the read models are at the head. Per claim: CPU of each app, of the
 * PostgreSQL backends serving them, PostgreSQL commits and Redis commands (bench/lib/cpu-per-process.ts),
 * and the rows the idempotency table gained. The orders probe: a merchant and 11,000 funded buyers
 * seeded; 1,000 buyers of their own buy a warm-up product of 100 units, then CLAIMERS buyers rush a
 * second product of 100 units.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import Redis from 'ioredis';
import { describeLoadAverage, openCpuWindow } from './lib/cpu-per-process';
import { benchEnv, serversOf } from './lib/servers';
import { bearer, startStack, sleep, type Stack } from './lib/stack';
import { describeStatuses } from './lib/load';
import { CLAIM_CONNECTIONS, describeOutcome, sendPackets, storm, wins } from './scenarios/claim-storm';
import * as flashSale from './scenarios/flash-sale';

const CLAIMERS = Number(process.env.CLAIMERS ?? 10_000);

/** The warm-up crowd (WARM_UP=0: none, the api meets the storm cold, as a bench scenario's does). */
const WARM_UP = Number(process.env.WARM_UP ?? 1_000);
const SHARES = 100;
const AMOUNT = 20_000;
const PROFILE_DIR = join(__dirname, 'results', 'profiles');
const ORDERS = process.env.PROBE === 'orders';

/** A product of the flash sale's (100 units at 100 fen) listed through the api. */
const listProduct = async (stack: Stack, merchant: string): Promise<string> => {
  const listed = await fetch(`${stack.apiUrl}/v1/merchants/me/products`, {
    method: 'POST',
    headers: { authorization: bearer(merchant), 'content-type': 'application/json', 'idempotency-key': `list-${Math.random()}` },
    body: JSON.stringify({ title: '限量手机', price: flashSale.PRICE, stock: flashSale.STOCK }),
  });
  if (listed.status !== 201) throw new Error(`listing the product answered ${listed.status} ${await listed.text()}`);
  return ((await listed.json()) as { productId: string }).productId;
};

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
  const wallets = ORDERS
    ? [{ userId: sender, merchant: true }, ...[...warmers, ...claimers].map((userId) => ({ userId, funding: flashSale.FUNDING }))]
    : [{ userId: sender, funding: 2 * AMOUNT }];
  const stack = await startStack(context, 'cpuclaim', { wallets, env });
  const pg = new Client({ connectionString: servers.databaseUrl });
  await pg.connect();
  const redis = new Redis(servers.redisUrl);
  const idempotencyRows = async () =>
    Number((await pg.query<{ n: string }>(`SELECT count(*)::text AS n FROM "${stack.env.ZAN_PG_SCHEMA}".idempotency`)).rows[0]!.n);
  try {
    let hot: string;
    if (ORDERS) {
      if (WARM_UP > 0) await flashSale.rush(stack.apiUrl, await listProduct(stack, sender), warmers, tokens);
      hot = await listProduct(stack, sender);
    } else if (WARM_UP === 0) {
      [hot] = (await sendPackets(stack, [sender], 1, AMOUNT, SHARES)) as [string];
    } else {
      const [warm] = await sendPackets(stack, [sender], 1, AMOUNT, SHARES);
      await storm(
        stack.apiUrl,
        warmers.map((userId) => ({ packet: warm!, userId })),
        tokens,
      );
      [hot] = (await sendPackets(stack, [sender], 1, AMOUNT, SHARES)) as [string];
    }
    await stack.quiet(120_000);
    await sleep(500);
    const apps = stack.pids();
    const rowsBefore = await idempotencyRows();
    const window = await openCpuWindow(pg, redis, apps);
    if (process.env.CPU_PROF) for (const pid of Object.values(apps)) process.kill(pid, 'SIGUSR2');
    const loadAverage = describeLoadAverage();
    let described: string;
    let ok: boolean;
    let statuses: Record<number, number>;
    if (ORDERS) {
      const outcome = await flashSale.rush(stack.apiUrl, hot, claimers, tokens);
      described = flashSale.describeOutcome('flash sale', outcome, CLAIMERS);
      ok = outcome.paid === flashSale.STOCK && outcome.refused.get('sold-out') === CLAIMERS - flashSale.STOCK;
      statuses = outcome.load.byStatus;
    } else {
      const outcome = await storm(
        stack.apiUrl,
        claimers.map((userId) => ({ packet: hot, userId })),
        tokens,
      );
      described = describeOutcome('hot packet', outcome, CLAIMERS);
      ok = wins(outcome) === SHARES && outcome.refused.get('red-packet-gone') === CLAIMERS - SHARES;
      statuses = outcome.load.byStatus;
    }
    await stack.quiet(300_000);
    const cpu = await window.close(CLAIMERS);
    const rows = (await idempotencyRows()) - rowsBefore;
    const unit = ORDERS ? 'order' : 'claim';
    console.log(
      [
        described,
        `${ok ? 'exact' : 'NOT EXACT'}: ${describeStatuses(statuses)}; window to quiet ${cpu.seconds.toFixed(1)} s; ${loadAverage} at the start; over ${CLAIM_CONNECTIONS} connections`,
        `idempotency rows written per ${unit}: ${(rows / CLAIMERS).toFixed(2)}`,
        ...cpu.lines.map((line) => line.replace(/per tip/g, `per ${unit}`)),
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
