import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createProjections } from '@zan/read-models';

const ALL_PROJECTIONS = createProjections()
  .map((p) => p.name)
  .join(',');
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HistoryBuilder } from '../../apps/cli/src/testing/history';
import { STACK_LINE, cliStack, dumpRedis, spawnZan, waitFor, type CliStack } from './cli-harness';

jest.setTimeout(120_000);

/** A file target's content as dumpRedis gives it: key -> { hash } | { zset }. */
const readReplayFile = (path: string) => {
  const [header, ...lines] = readFileSync(path, 'utf8').trim().split('\n');
  const dump: Record<string, unknown> = {};
  for (const line of lines) {
    const { key, ...value } = JSON.parse(line) as { key: string };
    dump[key] = value;
  }
  return { header: JSON.parse(header) as { position: string | null; events: number; status: string; to: string }, dump };
};

describe('zan events replay (PostgreSQL -> Redis or a file)', () => {
  let stack: CliStack;
  let dir: string;
  let head: bigint;
  let total: number;
  const notMeta = (key: string) => key === 'replay';

  beforeAll(async () => {
    stack = cliStack('cli-replay');
    // Short feeds, so every feed is trimmed many times: the file target's deferred trims must match Redis.
    stack.env.ZAN_FEED_LENGTH = '10';
    dir = mkdtempSync(join(tmpdir(), 'zan-replay-'));
    const store = await stack.eventStore();
    const h = new HistoryBuilder(new Date('2026-01-01T00:00:00Z'), 1000);
    const users = Array.from({ length: 12 }, (_, i) => `u${i}`);
    for (const u of users) h.open(u).fund(u, 1_000_000);
    let last = 0n;
    for (let round = 0; round < 40; round++) {
      const a = users[round % users.length];
      const b = users[(round * 7 + 3) % users.length];
      if (a !== b) h.tip(a, b, `article-${round % 5}`, 500 + round).transfer(b, a, 100 + round);
      h.redPacket(
        a,
        1_000,
        4,
        [
          [users[(round + 1) % 12], 100 + round],
          [users[(round + 2) % 12], 200],
          [users[(round + 5) % 12], 50],
        ],
        { expire: round % 3 === 0 },
      );
      last = await h.appendTo(store); // one batch of streams per round: many transactions, like real traffic
    }
    await waitFor(async () => ((await store.headPosition()) ?? 0n) >= last, 'the history to be visible', 30_000);
    const all = await store.readAll();
    total = all.length;
    head = all[all.length - 1].position;
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await stack?.dispose();
  });

  const prefix = (name: string) => `${stack.iso.redisPrefix}replay-${name}:`;
  const replayTo = (target: string, extra: string[] = [], options: { signal?: AbortSignal } = {}) =>
    stack.zan(['events', 'replay', '--projection', 'all', '--target', target, ...extra], options);

  it('replays every projection into a fresh Redis prefix, then says it is complete', async () => {
    const run = await replayTo(`redis:${prefix('full')}`);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(new RegExp(`replayed ${total.toLocaleString('en-US')} events \\(${ALL_PROJECTIONS}\\)`));
    const meta = await stack.redis.hgetall(`${prefix('full')}replay`);
    expect(meta).toMatchObject({ format: 'zan-replay/1', position: head.toString(), to: head.toString(), events: String(total), status: 'done' });
    const dump = await dumpRedis(stack.redis, prefix('full'), notMeta);
    expect(dump['wallet:u0']).toEqual({ hash: expect.objectContaining({ userId: 'u0', kind: 'individual', balance: expect.any(String) }) });
    expect(Object.keys(dump).filter((k) => k.startsWith('feed:'))).toHaveLength(12);
    expect((dump['feed:u0'] as { zset: unknown[] }).zset).toHaveLength(10);

    const again = await replayTo(`redis:${prefix('full')}`);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/already holds this replay, complete/);
  });

  it('resumes after an interruption from the checkpoint stored in Redis, to the same result', async () => {
    const target = `redis:${prefix('resumed')}`;
    const interrupt = new AbortController();
    const running = replayTo(target, ['--batch', '7'], { signal: interrupt.signal });
    // Ctrl-C once the target holds a few batches.
    await waitFor(async () => Number((await stack.redis.hget(`${prefix('resumed')}replay`, 'events')) ?? 0) >= 70, 'a few batches in the target');
    interrupt.abort();
    const stopped = await running;
    expect(stopped.code).toBe(130);
    expect(stopped.stderr).toMatch(/interrupted: .* holds [\d,]+ events up to position \d+; run the same command again to resume/);
    const checkpoint = await stack.redis.hgetall(`${prefix('resumed')}replay`);
    expect(checkpoint.status).toBe('running');
    expect(Number(checkpoint.events)).toBeGreaterThanOrEqual(70);
    expect(Number(checkpoint.events)).toBeLessThan(total);
    expect(BigInt(checkpoint.position)).toBeLessThan(head);

    const resumed = await replayTo(target, ['--batch', '50']);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toMatch(new RegExp(`replayed ${(total - Number(checkpoint.events)).toLocaleString('en-US')} events .*, resumed,`));
    expect(await dumpRedis(stack.redis, prefix('resumed'), notMeta)).toEqual(await dumpRedis(stack.redis, prefix('full'), notMeta));
  });

  it('resumes a file target too, and the file holds what Redis holds', async () => {
    const path = join(dir, 'all.ndjson');
    const interrupt = new AbortController();
    const running = replayTo(`file:${path}`, ['--batch', '3'], { signal: interrupt.signal });
    // Ctrl-C as soon as the file is begun: pages of 3 events take longer than that to replay.
    await waitFor(() => existsSync(path), 'the replay file');
    interrupt.abort();
    const stopped = await running;
    expect(stopped.code).toBe(130);
    const saved = readReplayFile(path).header;
    expect(saved.status).toBe('running');
    expect(saved.events).toBeLessThan(total);

    expect((await replayTo(`file:${path}`)).code).toBe(0);
    const { header, dump } = readReplayFile(path);
    expect(header).toMatchObject({ status: 'done', events: total, position: head.toString() });
    expect(dump).toEqual(await dumpRedis(stack.redis, prefix('full'), notMeta));
  });

  it('replays a subset of projections over a position range', async () => {
    const all = await (await stack.eventStore()).readAll();
    const from = all[100].position;
    const to = all[299].position;
    const run = await stack.zan([
      'events',
      'replay',
      '-p',
      'earnings',
      '-p',
      'balances',
      '-t',
      `redis:${prefix('range')}`,
      '--from',
      from.toString(),
      '--to',
      to.toString(),
    ]);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/replayed 200 events \(balances,earnings\)/);
    const dump = await dumpRedis(stack.redis, prefix('range'), notMeta);
    const kinds = new Set(Object.keys(dump).map((k) => k.split(':')[0]));
    expect([...kinds].sort()).toEqual(['earnings', 'leaderboard', 'wallet']);
    // Balances from the range alone: the sum of the wallet deltas of events 100..299.
    const expected = new Map<string, number>();
    const { walletBalanceDelta } = await import('@zan/contracts');
    for (const event of all.slice(100, 300)) {
      if (!event.streamId.startsWith('wallet-')) continue;
      const user = event.streamId.slice('wallet-'.length);
      expected.set(user, (expected.get(user) ?? 0) + walletBalanceDelta(event));
    }
    for (const [user, balance] of expected) {
      expect({ user, balance: Number((dump[`wallet:${user}`] as { hash: Record<string, string> } | undefined)?.hash.balance ?? 0) }).toEqual({ user, balance });
    }
  });

  it('refuses a target that holds something else, the live prefix, and unknown projections (exit 2)', async () => {
    const other = await stack.zan(['events', 'replay', '-p', 'balances', '-t', `redis:${prefix('full')}`]);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(new RegExp(`holds another replay \\(${ALL_PROJECTIONS} from the first event to \\d+\\), not balances`));
    await stack.redis.set(`${prefix('dirty')}something`, 'x');
    const dirty = await replayTo(`redis:${prefix('dirty')}`);
    expect(dirty.code).toBe(2);
    expect(dirty.stderr).toMatch(/is not empty and holds no replay/);
    expect((await replayTo(`redis:${prefix('dirty')}`, ['--reset'])).code).toBe(0);
    expect(await stack.redis.exists(`${prefix('dirty')}something`)).toBe(0);

    const live = await replayTo(`redis:${stack.iso.redisPrefix}`);
    expect(live.code).toBe(2);
    expect(live.stderr).toMatch(/would cover the live read models/);
    const unknown = await stack.zan(['events', 'replay', '-p', 'balance', '-t', `redis:${prefix('x')}`]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(new RegExp(`unknown projection balance \\(known: ${ALL_PROJECTIONS.replace(/,/g, ', ')}, all\\)`));
    expect((await stack.zan(['events', 'replay', '-p', 'all'])).stderr).toMatch(/--target is required/);
  });

  it('stops on a real Ctrl-C (SIGINT) of the process with exit 130, and resumes', async () => {
    const target = `redis:${prefix('sigint')}`;
    const zan = spawnZan(['events', 'replay', '-p', 'all', '-t', target, '--batch', '2'], stack.env);
    await waitFor(async () => Number((await stack.redis.hget(`${prefix('sigint')}replay`, 'events')) ?? 0) >= 10, 'the first batches', 60_000);
    zan.child.kill('SIGINT');
    const stopped = await zan.exit;
    expect(stopped.code).toBe(130);
    expect(stopped.stderr).toMatch(/interrupted: .*run the same command again to resume/);
    expect(stopped.stderr).not.toMatch(STACK_LINE);
    const events = Number(await stack.redis.hget(`${prefix('sigint')}replay`, 'events'));
    expect(events).toBeLessThan(total);

    expect((await replayTo(target)).code).toBe(0);
    expect(await dumpRedis(stack.redis, prefix('sigint'), notMeta)).toEqual(await dumpRedis(stack.redis, prefix('full'), notMeta));
  });
});
