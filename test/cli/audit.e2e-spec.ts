import { HistoryBuilder } from '../../apps/cli/src/testing/history';
import { cliStack, projectLive, type CliStack } from './cli-harness';

jest.setTimeout(60_000);

/** A consistent history: every debit credited, packets claimed, one expired and refunded. */
const history = () => {
  const h = new HistoryBuilder(new Date('2026-01-01T00:00:00Z'), 1000);
  for (const u of ['alice', 'bob', 'carol', 'dave']) h.open(u).fund(u, 20_000);
  h.tip('alice', 'bob', 'why-zan', 888).tip('carol', 'bob', 'why-zan', 500).tip('dave', 'carol', 'poems', 600);
  h.transfer('bob', 'dave', 1_234).withdraw('dave', 1_000);
  h.redPacket('alice', 1_000, 3, [
    ['bob', 412],
    ['carol', 300],
    ['dave', 288],
  ]);
  h.redPacket('carol', 900, 3, [['alice', 100]], { expire: true });
  h.redPacket('dave', 500, 2, [['carol', 7]]); // still open: 493 fen held by the packet
  return h;
};

describe('zan audit (PostgreSQL + Redis read models)', () => {
  let stack: CliStack;

  beforeAll(async () => {
    stack = cliStack('cli-audit');
    const store = await stack.eventStore();
    await stack.append(history());
    const live = await projectLive(store, stack.env);
    await live.close();
  });
  afterAll(async () => {
    await stack?.dispose();
  });

  /** The live key of a logical read-model key, whatever generation holds it. */
  const liveKey = async (logical: string): Promise<string> => {
    // SCAN pages through the whole keyspace: one call with a COUNT may miss a match on a busy Redis.
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, page] = await stack.redis.scan(cursor, 'MATCH', `${stack.iso.redisPrefix}*${logical}`, 'COUNT', 1_000);
      cursor = next;
      keys.push(...page);
    } while (cursor !== '0');
    expect(keys).toHaveLength(1);
    return keys[0];
  };

  it('passes on a clean history and clean read models (exit 0), with the money equation', async () => {
    const run = await stack.zan(['audit']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('held by red packets      493 fen (4.93 CNY)');
    expect(run.stdout).toContain('fundings - withdrawals   80,000 fen (800.00 CNY) - 1,000 = 79,000 fen (790.00 CNY)');
    expect(run.stdout).toMatch(/compared at watermark \d+: 4 wallets, 2 authors' earnings, 3 red packets, the leaderboard\n {2}no differences/);
    expect(run.stdout.trim().endsWith('CLEAN')).toBe(true);

    const json = JSON.parse((await stack.zan(['audit', '--json'])).stdout);
    expect(json).toMatchObject({
      clean: true,
      wallets: 4,
      redPackets: 3,
      conservation: { balances: 78_507, held: 493, inFlight: 0, fundings: 80_000, withdrawals: 1_000, holds: true },
      findings: { count: 0 },
    });
  });

  it('detects a corrupted balance and a corrupted red packet in the read models (exit 1) and names them', async () => {
    const wallet = await liveKey('wallet:bob');
    const packet = await liveKey(
      `red-packet:${(await stack.eventStore().then((s) => s.readAll())).find((e) => e.type === 'RedPacketEscrowed')!.streamId.slice('red-packet-'.length)}`,
    );
    await stack.redis.hincrby(wallet, 'balance', 7);
    await stack.redis.hincrby(packet, 'claimedAmount', -12);
    try {
      const run = await stack.zan(['audit']);
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(
        /Read models differ from the events \(2\):\n {2}wallet bob: balance [\d,]+ fen in the read model, [\d,]+ from the events\n {2}red-packet rp1-/,
      );
      expect(run.stdout.trim()).toMatch(/FINDINGS: 0 in the events, 2 in the read models$/);
    } finally {
      await stack.redis.hincrby(wallet, 'balance', -7);
      await stack.redis.hincrby(packet, 'claimedAmount', 12);
    }
    expect((await stack.zan(['audit'])).code).toBe(0);
  });

  it('detects read models that fell behind the events', async () => {
    const store = await stack.eventStore();
    const late = new HistoryBuilder(new Date('2026-01-02T00:00:00Z'));
    late.fund('alice', 5);
    await stack.append(late);
    const run = await stack.zan(['audit']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/watermark: the read models stay at position \d+, behind the event store head \d+/);
    await (await projectLive(store, stack.env)).close();
    expect((await stack.zan(['audit'])).code).toBe(0);
  });

  it('finds broken money rules in the events themselves', async () => {
    const broken = cliStack('cli-audit-broken');
    try {
      const h = new HistoryBuilder(new Date('2026-01-01T00:00:00Z'));
      h.open('erin').open('frank').fund('erin', 1_000);
      h.transfer('erin', 'frank', 300, { credit: false }); // the credit never came
      h.add('wallet-frank', 'TransferReceived', { transferId: 'made-up', fromUserId: 'erin', toUserId: 'frank', amount: 50 }, 'erin'); // money from nowhere
      h.add('wallet-erin', 'WalletWithdrawn', { userId: 'erin', withdrawalId: 'w1', cardId: 'card-erin', amount: 900 }, 'erin'); // below zero
      await broken.append(h);
      const run = await broken.zan(['audit', '--no-read-models']);
      expect(run.code).toBe(1);
      expect(run.stdout).toContain('Read models: not compared (--no-read-models)');
      expect(run.stdout).toMatch(/negative-balance: the balance of erin went below zero \(-200 fen\)/);
      expect(run.stdout).toMatch(/missing-credit: FundsTransferred at \d+ \(transfer:[0-9a-f-]+, 300 fen for frank\) has no credit/);
      expect(run.stdout).toMatch(/orphan-credit: TransferReceived at \d+ \(transfer:made-up, 50 fen to frank\) has no debit: money created/);
      expect(run.stdout).toMatch(/DOES NOT HOLD \(off by 50 fen\)/);
      // A young debit is money in flight, not a finding, until the grace period is over.
      const young = await broken.zan(['audit', '--no-read-models', '--grace', '100000d']);
      expect(young.stdout).not.toMatch(/missing-credit/);
      expect(young.stdout).toMatch(/\+ in flight {16}300 fen/);
    } finally {
      await broken.dispose();
    }
  });

  it('checks the events only when REDIS_URL is unset', async () => {
    const run = await stack.zan(['audit'], { env: { REDIS_URL: undefined } });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Read models: not compared (REDIS_URL unset');
  });

  it('says Redis is unreachable with exit 3', async () => {
    const run = await stack.zan(['audit'], { env: { REDIS_URL: 'redis://127.0.0.1:1' } });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/^zan: cannot reach Redis \(redis:\/\/127\.0\.0\.1:1\): .*ECONNREFUSED/);
  });
});
