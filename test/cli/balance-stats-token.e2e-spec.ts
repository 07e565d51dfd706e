import { JwtService } from '@nestjs/jwt';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HistoryBuilder } from '../../apps/cli/src/testing/history';
import { TEST_JWT_SECRET } from '../support/tokens';
import { STACK_LINE, cliStack, spawnZan, type CliStack } from './cli-harness';

jest.setTimeout(60_000);

describe('zan balance, stats and token (PostgreSQL)', () => {
  let stack: CliStack;
  let positions: bigint[];

  beforeAll(async () => {
    stack = cliStack('cli-balance');
    const store = await stack.eventStore();
    // One event a minute from 08:00 UTC: alice's wallet over a morning.
    const h = new HistoryBuilder(new Date('2026-03-01T08:00:00Z'), 60_000);
    h.open('alice').open('bob'); // 08:00 .. 08:03
    h.fund('alice', 10_000); // 08:04 alice 10000
    h.tip('alice', 'bob', 'a-1', 888); // 08:05 alice 9112, 08:06 bob +888
    h.advance(3_600_000); // 09:07
    h.redPacket('alice', 1_000, 2, [['bob', 600]], { expire: true }); // sent 09:07 (8112), escrow, claim, share, expired, refund 09:12 (8512)
    h.transfer('bob', 'alice', 88); // 09:13, credit 09:14 (8600)
    h.withdraw('alice', 600); // 09:15 (8000)
    h.advance(86_400_000); // next day
    h.redPacket('alice', 2_000, 4, [
      ['bob', 500],
      ['carol', 900],
      ['dave', 100],
      ['erin', 500],
    ]);
    h.redPacket(
      'bob',
      300,
      3,
      [
        ['alice', 100],
        ['carol', 100],
        ['dave', 100],
      ],
      { mode: 'equal' },
    );
    h.tip('bob', 'carol', 'a-2', 1_000);
    await stack.append(h);
    positions = (await store.readAll()).map((e) => e.position);
  });
  afterAll(async () => {
    await stack?.dispose();
  });

  const balance = async (at: string) => {
    const run = await stack.zan(['balance', 'alice', '--at', at, '--json']);
    expect(run.code).toBe(0);
    return JSON.parse(run.stdout) as { balance: number; events: number; lastEvent: { position: string; type: string } };
  };

  it('answers the balance at past times, from the events', async () => {
    expect((await balance('2026-03-01T08:03:59Z')).balance).toBe(0);
    expect((await balance('2026-03-01T08:04:00Z')).balance).toBe(10_000);
    expect((await balance('2026-03-01T08:30:00Z')).balance).toBe(9_112);
    expect((await balance('2026-03-01T17:07:30+08:00')).balance).toBe(8_112); // 09:07:30 UTC, packet sent
    expect((await balance('2026-03-01T09:12:00Z')).balance).toBe(8_512); // refund of 400
    expect((await balance('2026-03-01T09:14:00Z')).balance).toBe(8_600);
    const endOfDay = await balance('2026-03-02');
    expect(endOfDay).toMatchObject({ balance: 8_000, events: 8, lastEvent: { type: 'WalletWithdrawn' } });
    expect((await stack.zan(['balance', 'alice'])).stdout).toMatch(/^alice: 6,100 fen \(61\.00 CNY\) at now\n/);
  });

  it('answers the balance at past positions', async () => {
    const all = await (await stack.eventStore()).readAll();
    const funded = all.find((e) => e.type === 'WalletFunded')!;
    expect(await balance(funded.position.toString())).toMatchObject({ balance: 10_000, events: 3, lastEvent: { position: funded.position.toString() } });
    expect((await balance((funded.position - 1n).toString())).balance).toBe(0);
    expect((await balance(positions[positions.length - 1].toString())).balance).toBe(6_100);
  });

  it('exits 1 for a wallet that did not exist then, 2 for a bad moment', async () => {
    const before = await stack.zan(['balance', 'alice', '--at', '2026-02-28']);
    expect(before.code).toBe(1);
    expect(before.stderr).toBe('zan: no wallet for alice at 2026-02-28T00:00:00.000Z\n');
    expect((await stack.zan(['balance', 'nobody'])).code).toBe(1);
    const bad = await stack.zan(['balance', 'alice', '--at', 'yesterday']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/'--at <time\|position>' argument 'yesterday' is invalid/);
    expect((await stack.zan(['balance'])).stderr).toMatch(/missing required argument 'userId'/);
  });

  it('counts by type and day, ranks authors and measures red-packet luck (--json)', async () => {
    const run = await stack.zan(['stats', '--json']);
    expect(run.code).toBe(0);
    const stats = JSON.parse(run.stdout);
    expect(stats.events).toBe(positions.length);
    expect(stats.byType.TipPraised).toEqual({ count: 2, amount: 1_888 });
    expect(stats.byType.RedPacketClaimed).toEqual({ count: 8, amount: 2_900 });
    expect(stats.byDay['2026-03-01']).toMatchObject({
      fundings: { count: 1, amount: 10_000 },
      tips: { count: 1, amount: 888 },
      redPackets: { count: 1, amount: 1_000 },
      withdrawals: { count: 1, amount: 600 },
    });
    expect(stats.byDay['2026-03-02']).toMatchObject({
      tips: { count: 1, amount: 1_000 },
      redPackets: { count: 2, amount: 2_300 },
      claims: { count: 7, amount: 2_300 },
    });
    expect(stats.topAuthors).toEqual([
      { authorId: 'carol', total: 1_000, tips: 1, articles: 1 },
      { authorId: 'bob', total: 888, tips: 1, articles: 1 },
    ]);
    // Lucky packets only: 600 of a 500 mean (1.2x); 500, 900, 100, 500 of a 500 mean.
    expect(stats.luck.packets).toBe(2);
    expect(stats.luck.claims).toBe(5);
    expect(stats.luck.histogram).toEqual([1, 0, 0, 0, 3, 0, 0, 1, 0]);
    expect(stats.luck.bestLuck).toEqual({ packets: 1, meanShare: 0.45, medianShare: 0.45, maxShare: 0.45, meanOfMean: 1.8 });
    expect(stats.luck.bestByClaimOrder[1]).toBe(1);

    const day = JSON.parse((await stack.zan(['stats', '--json', '--from', '2026-03-02'])).stdout);
    expect(Object.keys(day.byDay)).toEqual(['2026-03-02']);
  });

  it('prints the stats as tables', async () => {
    const run = await stack.zan(['stats', '--top', '1']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Events by type \(amounts in CNY\)\ntype +events +amount\n/);
    expect(run.stdout).toMatch(/\n2026-03-01 +1 \/ 100\.00 +1 \/ 6\.00 +1 \/ 0\.88 +1 \/ 8\.88 +1 \/ 10\.00 +1 \/ 6\.00( +-)*\n/);
    // eslint-disable-next-line no-regex-spaces -- the columns are two spaces apart: the pattern reads like the table
    expect(run.stdout).toMatch(/Top 1 authors by tips received\n#  author  tips  articles  total CNY\n-  -+  -+  -+  -+\n1  carol +1 +1 +10\.00\n/);
    expect(run.stdout).toMatch(/Best luck \(the largest claim of 1 packets with 2\+ claims\): 45\.0% of the packet/);
  });

  it('mints a JWT that verifies with the configured secret', async () => {
    const run = await stack.zan(['token', 'alice', '--admin', '--role', 'auditor', '--ttl', '2m']);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const token = run.stdout.trim();
    const claims = await new JwtService().verifyAsync(token, { secret: TEST_JWT_SECRET, algorithms: ['HS256'] });
    expect(claims).toMatchObject({ sub: 'alice', roles: ['admin', 'auditor'] });
    expect(claims.exp - claims.iat).toBe(120);
    await expect(new JwtService().verifyAsync(token, { secret: 'another-secret-0123456789' })).rejects.toThrow(/invalid signature/);

    // Without ZAN_JWT_SECRET: the secret the api generates into the data folder (created here if first).
    const dataDir = mkdtempSync(join(tmpdir(), 'zan-token-'));
    try {
      const dev = await stack.zan(['token', 'bob'], { env: { ZAN_JWT_SECRET: undefined, ZAN_DATA_DIR: dataDir } });
      expect(dev.stderr).toBe(`zan: ZAN_JWT_SECRET is not set: signed with the secret in ${join(dataDir, 'jwt-secret')}\n`);
      const generated = readFileSync(join(dataDir, 'jwt-secret'), 'utf8').trim();
      expect((await new JwtService().verifyAsync(dev.stdout.trim(), { secret: generated })).roles).toEqual([]);
      await expect(new JwtService().verifyAsync(dev.stdout.trim(), { secret: 'zan-dev-secret-change-me-please' })).rejects.toThrow(/invalid signature/);
      expect((await stack.zan(['token', 'bob'], { env: { ZAN_JWT_SECRET: undefined, ZAN_DATA_DIR: dataDir, NODE_ENV: 'production' } })).code).toBe(2);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
    expect((await stack.zan(['token', '../etc'])).code).toBe(2);
    // Never longer than the api accepts (ZAN_JWT_MAX_LIFETIME_SECONDS, 24 h by default).
    const long = await stack.zan(['token', 'alice', '--ttl', '2d']);
    expect(long.code).toBe(2);
    expect(long.stderr).toMatch(/--ttl 172800s is longer than the api accepts \(ZAN_JWT_MAX_LIFETIME_SECONDS=86400\)/);
    expect((await stack.zan(['token', 'alice', '--ttl', '2d'], { env: { ZAN_JWT_MAX_LIFETIME_SECONDS: '172800' } })).code).toBe(0);
  });

  it('has --help on every command (exit 0)', async () => {
    const top = await stack.zan(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/Exit codes: 0 ok, 1 findings .*, 2 usage error, 3 backend unreachable/);
    for (const command of [
      'events',
      'events export',
      'events replay',
      'projections',
      'projections rebuild',
      'projections status',
      'kafka',
      'kafka migrate-topics',
      'kafka accept-partitions',
      'audit',
      'balance',
      'stats',
      'token',
    ]) {
      const run = await stack.zan([...command.split(' '), '--help']);
      expect({ command, code: run.code }).toEqual({ command, code: 0 });
      expect(run.stdout).toContain(`Usage: zan ${command} `);
    }
    const none = await stack.zan([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('Usage: zan [options] [command]');
  });

  it('as a real process: exit 2 and one line for a bad flag; exit 3 and, with --verbose, the stack for a dead backend', async () => {
    const dead = { ...stack.env, ZAN_EVENT_STORE: 'postgres://postgres@127.0.0.1:1/test' };
    // Two processes (each compiles the sources on start): the in-process specs cover the rest.
    const [bad, verbose] = await Promise.all([spawnZan(['events', 'export', '--bogus'], stack.env).exit, spawnZan(['stats', '--verbose'], dead).exit]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(`error: unknown option '--bogus'\n(run "zan events export --help" for usage)\n`);
    expect(bad.stderr).not.toMatch(STACK_LINE);
    expect(verbose.stderr).toMatch(/^zan: cannot reach the event store .*ECONNREFUSED/m);
    expect(verbose.stderr).toMatch(/^Error: connect ECONNREFUSED 127\.0\.0\.1:1\n\s+at /m);
    expect(verbose.code).toBe(3);
    expect(verbose.stderr).toMatch(STACK_LINE);
  });
});
