import type { StoredEvent } from '@zan/contracts';
import { startCatchUpSubscription, type CatchUpSource } from './catch-up-subscription';
import { Wakeup } from './wakeup';

const event = (position: number): StoredEvent => ({
  id: `id-${position}`,
  type: 'T',
  version: 1,
  streamId: 's',
  revision: position - 1,
  position: BigInt(position),
  occurredAt: '2024-01-01T00:00:00.000Z',
  data: {},
  metadata: { correlationId: 'c', causationId: 'c', userId: 'u' },
});

/** An in-memory log; `visible` limits what reads return, like transactions still in flight. */
const memoryLog = (pollIntervalMs = 60_000) => {
  const log: StoredEvent[] = [];
  const reads: (bigint | undefined)[] = [];
  const source: CatchUpSource & { log: StoredEvent[]; reads: typeof reads; append(n: number): void } = {
    log,
    reads,
    wakeup: new Wakeup(),
    pollIntervalMs,
    read: async (after, maxCount) => {
      reads.push(after);
      return log.filter((e) => after === undefined || e.position > after).slice(0, maxCount);
    },
    append(n) {
      for (let i = 0; i < n; i += 1) log.push(event(log.length + 1));
      source.wakeup.notify();
    },
  };
  return source;
};

const until = async (condition: () => boolean): Promise<void> => {
  for (let i = 0; i < 500 && !condition(); i += 1) await new Promise((resolve) => setTimeout(resolve, 2));
  expect(condition()).toBe(true);
};

describe('catch-up subscription', () => {
  it('reads in batches from a position, reports catching up once, then delivers live appends', async () => {
    const source = memoryLog();
    source.append(7);
    const seen: bigint[] = [];
    let caughtUpAt: number | undefined;
    const subscription = startCatchUpSubscription(source, {
      after: 2n,
      batchSize: 2,
      onEvent: async (e) => {
        seen.push(e.position);
      },
      onCaughtUp: () => {
        caughtUpAt ??= seen.length;
      },
    });
    await until(() => caughtUpAt !== undefined);
    expect(caughtUpAt).toBe(5);
    expect(source.reads.slice(0, 3)).toEqual([2n, 4n, 6n]);
    source.append(3);
    await until(() => seen.length === 8);
    await subscription.stop();
    expect(seen).toEqual([3n, 4n, 5n, 6n, 7n, 8n, 9n, 10n]);
  });

  it('with lingerMs, reads the appends signalled while it lingers in one read', async () => {
    const source = memoryLog();
    const seen: bigint[] = [];
    let caughtUp = false;
    const subscription = startCatchUpSubscription(source, {
      lingerMs: 50,
      onEvent: async (e) => void seen.push(e.position),
      onCaughtUp: () => (caughtUp = true),
    });
    await until(() => caughtUp);
    const readsBefore = source.reads.length;
    // Five commits 5 ms apart, each with its signal, all within the linger.
    for (let i = 0; i < 5; i += 1) {
      source.append(1);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await until(() => seen.length === 5);
    await subscription.stop();
    // One read took all five (a second read found nothing more), not one read per signal.
    expect(source.reads.length - readsBefore).toBeLessThanOrEqual(2);
    expect(source.reads[readsBefore]).toBeUndefined();
  });

  it('falls back to polling when no signal comes', async () => {
    const source = memoryLog(5);
    const seen: bigint[] = [];
    const subscription = startCatchUpSubscription(source, { onEvent: async (e) => void seen.push(e.position) });
    source.log.push(event(1));
    await until(() => seen.length === 1);
    await subscription.stop();
  });

  it('reports a failing handler once and stops', async () => {
    const source = memoryLog();
    source.append(3);
    const errors: unknown[] = [];
    const subscription = startCatchUpSubscription(source, {
      onEvent: async (e) => {
        if (e.position === 2n) throw new Error('boom');
      },
      onError: (error) => errors.push(error),
    });
    await subscription.done;
    expect(errors).toEqual([new Error('boom')]);
    expect(source.reads).toEqual([undefined]);
  });

  it('stops quietly when a read in flight fails because it was stopped', async () => {
    const source = memoryLog();
    const errors: unknown[] = [];
    let failRead!: (error: Error) => void;
    const read = source.read.bind(source);
    source.read = async (after, max) => {
      if (source.reads.length === 0) return read(after, max);
      source.reads.push(after);
      return new Promise((_, reject) => (failRead = reject));
    };
    const subscription = startCatchUpSubscription(source, { onEvent: async () => undefined, onError: (e) => errors.push(e) });
    await until(() => source.reads.length === 1);
    source.wakeup.notify();
    await until(() => source.reads.length === 2);
    const stopped = subscription.stop();
    failRead(new Error('pool is closed'));
    await stopped;
    expect(errors).toEqual([]);
  });

  it('reports a failing read when not stopping', async () => {
    const source = memoryLog();
    source.read = async () => {
      throw new Error('connection refused');
    };
    const errors: unknown[] = [];
    const subscription = startCatchUpSubscription(source, { onEvent: async () => undefined, onError: (e) => errors.push(e) });
    await subscription.done;
    expect(errors).toEqual([new Error('connection refused')]);
  });
});
