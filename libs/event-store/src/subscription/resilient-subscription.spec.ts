import { randomUUID } from 'node:crypto';
import { MemoryEventStore } from '../memory/memory-event-store';
import { subscribeResiliently, type ResilientSubscription } from './resilient-subscription';

const opened = (userId: string) => ({
  id: randomUUID(),
  type: 'WalletOpened',
  data: { userId, kind: 'individual' },
  metadata: { correlationId: randomUUID(), causationId: randomUUID(), userId },
  occurredAt: new Date().toISOString(),
});

const until = async (condition: () => boolean, what: string): Promise<void> => {
  for (let i = 0; i < 1000 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  if (!condition()) throw new Error(`timed out waiting for ${what}`);
};

describe('subscribeResiliently', () => {
  it('backs off more after each failure that made no progress, when its handler finishes events later (resumeAfter)', async () => {
    // The credits process manager: onEvent only starts a reaction; one that fails restarts the
    // subscription from the watermark, which stays where it was. Every restart delivered events again,
    // each of which reset the backoff: restarts every 100 ms for as long as the reaction failed.
    const store = new MemoryEventStore({ pollIntervalMs: 20 });
    const first = await store.append(`wallet-a-${randomUUID()}`, [opened('a')], 'no_stream');
    const failing = await store.append(`wallet-b-${randomUUID()}`, [opened('b')], 'no_stream');
    await store.append(`wallet-c-${randomUUID()}`, [opened('c')], 'no_stream');
    const attempts: number[] = [];
    let handled = first.position;
    const subscription: ResilientSubscription = subscribeResiliently(store, {
      after: first.position,
      retry: { initialMs: 5, maxMs: 10_000 },
      onEvent: async (event) => {
        if (event.position === failing.position) setImmediate(() => subscription.restart(new Error('the reaction failed')));
      },
      resumeAfter: async () => handled,
      onRetry: (_, attempt) => attempts.push(attempt),
    });
    try {
      await until(() => attempts.length >= 5, 'five restarts');
      expect(attempts.slice(0, 5)).toEqual([1, 2, 3, 4, 5]);
      // Progress (the watermark moved past where it resumed last) starts the backoff over.
      handled = failing.position;
      await until(() => attempts.length > 5 && attempts.at(-1) === 1, 'a restart after progress, counted as the first again');
    } finally {
      await subscription.stop();
    }
  });
});
