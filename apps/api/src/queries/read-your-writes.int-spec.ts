import Redis from 'ioredis';
import type { ZanConfig } from '@zan/platform';
import { MemoryReadModelStore, RedisReadModelStore, type ReadModelStore } from '@zan/read-models';
import { isolation, testServers } from '../../../../test/support/isolation';
import { ProblemException } from '../http/problem';
import { ReadYourWrites } from './read-your-writes';

// `?after=` waits: the api's store and the projector's store are two connections to the real Redis,
// as they are two processes in a deployment.
describe('ReadYourWrites: waiting for the watermark', () => {
  const { redisPrefix } = isolation('ryw');
  let api: RedisReadModelStore;
  let projector: RedisReadModelStore;
  let connections: Redis[];
  const opened: ReadYourWrites[] = [];
  const waiterOn = (store: ReadModelStore, readWaitMs = 5_000) => {
    const waiter = new ReadYourWrites(store, { readWaitMs } as ZanConfig);
    opened.push(waiter);
    return waiter;
  };

  beforeAll(() => {
    connections = [new Redis(testServers().redisUrl), new Redis(testServers().redisUrl)];
    api = new RedisReadModelStore({ redis: connections[0]!, prefix: redisPrefix });
    projector = new RedisReadModelStore({ redis: connections[1]!, prefix: redisPrefix });
  });

  afterAll(async () => {
    await Promise.all(opened.map((waiter) => waiter.onApplicationShutdown()));
    await api.clear();
    await Promise.all(connections.map((redis) => redis.quit()));
  });

  it('wakes every waiting request when the projector moves the watermark, with a few shared reads instead of a poll per request', async () => {
    const waiter = waiterOn(api);
    const reads = jest.spyOn(api, 'watermark');
    const waiting = Promise.all(Array.from({ length: 50 }, () => waiter.waitFor('100')));
    // Each request reads once on arrival; then they wait together.
    while (reads.mock.calls.length < 50) await new Promise((resolve) => setTimeout(resolve, 5));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const whileWaiting = reads.mock.calls.length;
    // A request polling on its own would have read about ten times each by now.
    expect(whileWaiting).toBeLessThan(50 + 10);

    await projector.skip({ category: 'wallet', position: 100n, prevPosition: 0n });
    await waiting;
    expect(reads.mock.calls.length).toBeLessThan(whileWaiting + 5);
    await waiter.waitFor('100'); // at once: the first read answers
  });

  it('answers 503 with Retry-After when the position is not applied in time, and forgets the waiter', async () => {
    const waiter = waiterOn(api, 200);
    const error = await waiter.waitFor('999999999999').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProblemException);
    expect((error as ProblemException).problem.status).toBe(503);
    expect((error as ProblemException).headers).toEqual({ 'Retry-After': '1' });
    expect((waiter as unknown as { projector: { waiters: Set<unknown> } }).projector.waiters.size).toBe(0);
  });

  it('wakes waiters of the in-memory store (the embedded mode) when it applies', async () => {
    const memory = new MemoryReadModelStore();
    const waiter = waiterOn(memory);
    const waiting = Promise.all([waiter.waitFor('7'), waiter.waitFor('5')]);
    await memory.skip({ category: 'wallet', position: 5n, prevPosition: 0n });
    await memory.skip({ category: 'wallet', position: 7n, prevPosition: 5n });
    await waiting;
  });
});
