import { RedisReadModelStore } from '@zan/read-models';
import { LUCKY_CLAIMS_PER_DAY, createProjections } from '@zan/read-models';
import { HistoryBuilder } from '../../apps/cli/src/testing/history';
import { cliStack, dumpRedis, projectLive, type CliStack } from './cli-harness';

jest.setTimeout(90_000);

/** Read-model keys only: not the store's bookkeeping (dedupe records, counters, watermark), in any slot group. */
const BOOKKEEPING = /^(\{[^}]*\}:)?(applied:|stats$|watermark|replay$)/;

type Dumped = { hash?: Record<string, string>; zset?: [string, number][] };

/**
 * The live keys by logical key, as a replay writes them: the live store spreads the per-event
 * aggregates and the rankings over its slot groups (`{<shard>}:`, README of libs/read-models), summed
 * or merged when read; here hash fields are summed and sorted-set members merged (the day's luckiest
 * claims cut to the day's 10, as one store would keep them).
 */
const mergeShards = (dump: Record<string, unknown>): Record<string, unknown> => {
  const merged: Record<string, Dumped> = {};
  for (const [key, value] of Object.entries(dump as Record<string, Dumped>)) {
    const logical = key.replace(/^\{[^}]*\}:/, '');
    const into = merged[logical];
    if (!into) merged[logical] = value.zset ? { zset: [...value.zset] } : value;
    else if (value.hash && into.hash) {
      const sum = { ...into.hash };
      for (const [field, n] of Object.entries(value.hash)) sum[field] = field in sum ? String(Number(sum[field]) + Number(n)) : n;
      into.hash = Object.fromEntries(Object.entries(sum).sort(([a], [b]) => (a < b ? -1 : 1)));
    } else if (value.zset && into.zset) {
      const scores = new Map(into.zset);
      for (const [member, score] of value.zset) scores.set(member, (scores.get(member) ?? 0) + score);
      into.zset = [...scores];
    } else throw new Error(`${logical}: not a hash or a sorted set in every slot group`);
  }
  for (const [logical, value] of Object.entries(merged)) {
    if (!value.zset) continue;
    // Redis's order: by score, then member bytes.
    value.zset.sort(([a, x], [b, y]) => x - y || Buffer.compare(Buffer.from(a), Buffer.from(b)));
    if (logical.startsWith('stats-luck:')) value.zset = value.zset.slice(-LUCKY_CLAIMS_PER_DAY);
  }
  return merged;
};

describe('zan projections rebuild and status (PostgreSQL + Redis)', () => {
  let stack: CliStack;
  let live: RedisReadModelStore;

  const history = (from: number, rounds: number) => {
    const h = new HistoryBuilder(new Date(Date.UTC(2026, 0, 1, 0, 0, from)), 1000);
    const users = ['ann', 'ben', 'cat', 'dan', 'eve'];
    if (from === 0) for (const u of users) h.open(u).fund(u, 500_000);
    for (let i = from; i < from + rounds; i++) {
      const [a, b] = [users[i % 5], users[(i + 2) % 5]];
      h.tip(a, b, `post-${i % 3}`, 500 + i).transfer(b, a, 10 + i);
      h.redPacket(
        b,
        900,
        3,
        [
          [a, 300],
          [users[(i + 4) % 5], 100 + (i % 50)],
        ],
        { expire: i % 2 === 0 },
      );
    }
    return h;
  };
  /** The live generation's read-model keys. */
  const liveDump = async () => {
    const generation = (await stack.redis.get(`${stack.iso.redisPrefix}{zan-ctl}generation`)) ?? 'g0';
    return { generation, dump: mergeShards(await dumpRedis(stack.redis, `${stack.iso.redisPrefix}${generation}:`, (key) => BOOKKEEPING.test(key))) };
  };

  beforeAll(async () => {
    stack = cliStack('cli-projections');
    await stack.append(history(0, 60));
  });
  afterAll(async () => {
    await live?.close();
    await stack?.dispose();
  });

  it('shows the lag of read models that are behind, and exits 1 past --max-lag', async () => {
    const total = (await (await stack.eventStore()).readAll()).length;
    const behind = await stack.zan(['projections', 'status', '--json', '--max-lag', '10']);
    expect(behind.code).toBe(1);
    const status = JSON.parse(behind.stdout);
    expect(status).toMatchObject({
      generation: 'g0',
      watermark: '0',
      lag: { events: total, atLeast: false },
      projections: createProjections().map((p) => p.name),
    });
    expect(BigInt(status.lag.positions)).toBe(BigInt(status.head));

    live = await projectLive(await stack.eventStore(), stack.env);
    const upToDate = await stack.zan(['projections', 'status', '--max-lag', '0']);
    expect(upToDate.code).toBe(0);
    expect(upToDate.stdout).toMatch(/live generation g0: [\d,]+ events applied, 0 skipped, 0 waiting ahead of the watermark/);
    expect(upToDate.stdout).toMatch(/\nbalances +\d+ +up to date\n/);
  });

  it('rebuilds into a new generation that equals the live one, while queries keep answering', async () => {
    const before = await liveDump();
    expect(Object.keys(before.dump).length).toBeGreaterThan(20);
    const expected = await live.wallet('ann');
    // Readers poll throughout the rebuild: every answer is the wallet, never a gap.
    let reading = true;
    let reads = 0;
    const answers = new Set<string>();
    const reader = (async () => {
      const api = new RedisReadModelStore({ redis: stack.env.REDIS_URL, prefix: stack.env.ZAN_REDIS_PREFIX });
      while (reading) {
        answers.add(JSON.stringify(await api.wallet('ann')));
        reads++;
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      await api.close();
    })();
    const run = await stack.zan(['projections', 'rebuild', '--batch', '50', '--retire-after', '1s']);
    reading = false;
    await reader;
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^rebuilt the read models: generation g1 is live \(was g0\), [\d,]+ events up to position \d+; built in/);
    expect(reads).toBeGreaterThan(10);
    expect([...answers]).toEqual([JSON.stringify(expected)]);

    const after = await liveDump();
    expect(after.generation).toBe('g1');
    expect(after.dump).toEqual(before.dump);
    expect(await dumpRedis(stack.redis, `${stack.iso.redisPrefix}g0:`)).toEqual({}); // retired
    expect((await stack.zan(['audit'])).code).toBe(0);
  });

  it('a rebuild takes in what the projector applied meanwhile', async () => {
    const store = await stack.eventStore();
    const rebuild = stack.zan(['projections', 'rebuild', '--batch', '5', '--retire-after', '1s']);
    await stack.append(history(60, 20));
    await projectLive(store, stack.env).then((s) => s.close());
    expect((await rebuild).code).toBe(0);
    const status = JSON.parse((await stack.zan(['projections', 'status', '--json'])).stdout);
    expect(status).toMatchObject({ generation: 'g2', lag: { events: 0 } });
    expect(status.watermark).toBe(status.head);
    expect((await stack.zan(['audit'])).code).toBe(0);
  });

  it('equals a replay of every projection into a fresh prefix', async () => {
    const target = `${stack.iso.redisPrefix}replay:`;
    expect((await stack.zan(['events', 'replay', '-p', 'all', '-t', `redis:${target}`])).code).toBe(0);
    const replayed = await dumpRedis(stack.redis, target, (key) => BOOKKEEPING.test(key));
    expect((await liveDump()).dump).toEqual(replayed);
  });

  it('leaves the live generation untouched when interrupted, and refuses without Redis', async () => {
    const interrupt = new AbortController();
    interrupt.abort();
    const run = await stack.zan(['projections', 'rebuild'], { signal: interrupt.signal });
    expect(run.code).toBe(130);
    expect(run.stderr).toMatch(/rebuild interrupted: the new generation was dropped, generation g2 is still live and untouched/);
    expect((await liveDump()).generation).toBe('g2');
    expect((await stack.zan(['projections', 'status'])).code).toBe(0);

    const noRedis = await stack.zan(['projections', 'rebuild'], { env: { REDIS_URL: undefined } });
    expect(noRedis.code).toBe(2);
    expect(noRedis.stderr).toMatch(/REDIS_URL is not set/);
    expect((await stack.zan(['projections', 'rebuild', 'ledger'])).code).toBe(2);
  });
});
