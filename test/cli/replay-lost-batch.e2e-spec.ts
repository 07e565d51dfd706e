import { createProjections, type Change } from '@zan/read-models';
import { RedisReplayTarget } from '../../apps/cli/src/replay/redis-target';
import { replay } from '../../apps/cli/src/replay/replay';
import type { ReplayCheckpoint, ReplaySpec, ReplayTarget } from '../../apps/cli/src/replay/replay-target';
import { HistoryBuilder } from '../../apps/cli/src/testing/history';
import { cliStack, dumpRedis, type CliStack } from './cli-harness';

jest.setTimeout(60_000);

/**
 * A Redis replay target whose `lose`-th batch never lands (an injected fault: the connection dropped
 * with it in flight) and fails only once the batch after it has been written, as a pipelined
 * connection reports it.
 */
class LosesABatch implements ReplayTarget {
  readonly ordered = true;
  private calls = 0;
  private next?: () => void;
  constructor(
    private readonly inner: RedisReplayTarget,
    private readonly lose: number,
  ) {}
  get description() {
    return this.inner.description;
  }
  open() {
    return this.inner.open();
  }
  isEmpty() {
    return this.inner.isEmpty();
  }
  reset() {
    return this.inner.reset();
  }
  begin(spec: ReplaySpec) {
    return this.inner.begin(spec);
  }
  flush() {
    return this.inner.flush();
  }
  close() {
    return this.inner.close();
  }
  async apply(changes: Change[], checkpoint: ReplayCheckpoint, after?: bigint): Promise<void> {
    const call = ++this.calls;
    if (call === this.lose) {
      await new Promise<void>((resolve) => (this.next = resolve));
      throw new Error('injected: the connection was lost with this batch in flight');
    }
    try {
      await this.inner.apply(changes, checkpoint, after);
    } finally {
      if (call === this.lose + 1) this.next?.();
    }
  }
}

describe('zan events replay into Redis when a batch is lost on the wire', () => {
  let stack: CliStack;
  const prefix = (name: string) => `${stack.iso.redisPrefix}lost-${name}:`;

  beforeAll(async () => {
    stack = cliStack('cli-replay-lost');
    const h = new HistoryBuilder(new Date('2026-01-01T00:00:00Z'));
    for (let u = 0; u < 6; u++) h.open(`u${u}`).fund(`u${u}`, 10_000);
    for (let i = 0; i < 30; i++) h.transfer(`u${i % 6}`, `u${(i + 1) % 6}`, 100 + i).tip(`u${i % 6}`, `u${(i + 2) % 6}`, 'a', 500);
    await stack.append(h);
  });
  afterAll(async () => {
    await stack?.dispose();
  });

  it('never stores a checkpoint past the lost batch, and the resumed replay equals a clean one', async () => {
    const store = await stack.eventStore();
    const projections = createProjections();
    await stack.redis.connect().catch(() => undefined);
    const clean = await replay(store, new RedisReplayTarget(stack.redis, prefix('clean')), { projections, batchSize: 10 });
    expect(clean.checkpoint.done).toBe(true);

    const target = new RedisReplayTarget(stack.redis, prefix('lossy'));
    await expect(replay(store, new LosesABatch(target, 3), { projections, batchSize: 10 })).rejects.toThrow(/injected|did not land/);
    // Two batches of 10 events landed; the third was lost, so the fourth must not have moved the checkpoint.
    const meta = await stack.redis.hgetall(`${prefix('lossy')}replay`);
    expect(meta.events).toBe('20');

    const resumed = await replay(store, target, { projections, batchSize: 10 });
    expect(resumed.resumed).toBe(true);
    const skipMeta = (key: string) => key === 'replay';
    expect(await dumpRedis(stack.redis, prefix('lossy'), skipMeta)).toEqual(await dumpRedis(stack.redis, prefix('clean'), skipMeta));
  });
});
