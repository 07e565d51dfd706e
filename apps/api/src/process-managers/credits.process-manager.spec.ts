import { randomUUID } from 'node:crypto';
import { MemoryCheckpointStore, MemoryEventStore } from '@zan/event-store';
import { InProcessLeaderElection } from '@zan/platform';
import { CreditsProcessManager } from './credits.process-manager';

const until = async (condition: () => boolean): Promise<void> => {
  for (let i = 0; i < 500 && !condition(); i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(condition()).toBe(true);
};

describe('CreditsProcessManager', () => {
  it('retries a reaction that failed on the last event, though no later event comes to report it (found by the simulation)', async () => {
    const store = new MemoryEventStore();
    const credits = new CreditsProcessManager(
      store,
      new MemoryCheckpointStore(),
      undefined as never,
      undefined as never,
      undefined as never,
      new InProcessLeaderElection(),
    );
    let attempts = 0;
    jest.spyOn(credits, 'handle').mockImplementation(async () => {
      attempts += 1;
      if (attempts === 1) throw new Error('connection lost');
    });
    await credits.onApplicationBootstrap();
    try {
      const tip = { tipId: 't-1', readerId: 'u1', authorId: 'u2', articleId: 'a-1', amount: 500 };
      const metadata = { correlationId: 'c', causationId: 'c', userId: 'u1' };
      await store.append('wallet-u1', [{ id: randomUUID(), type: 'TipPraised', data: tip, metadata, occurredAt: new Date().toISOString() }], 'any');
      // The log is quiet from here on: only the failure itself may bring the retry.
      await until(() => credits.handledThrough === 1n);
      expect(attempts).toBe(2);
    } finally {
      await credits.onModuleDestroy();
    }
  });
});
