import type { StoredEvent } from '@zan/contracts';
import { EVENT_CATALOG } from '@zan/contracts';
import { ConcurrentReactions } from './concurrent-reactions';
import { reactionKey } from './credit-reactions';
import { CreditsProcessManager } from './credits.process-manager';

const event = (position: number, key?: string): StoredEvent => ({
  id: `e${position}`,
  type: key === undefined ? 'Nothing' : 'Something',
  version: 1,
  streamId: 's',
  revision: position,
  position: BigInt(position),
  occurredAt: new Date(0).toISOString(),
  data: { key },
  metadata: { correlationId: 'c', causationId: 'c', userId: 'u' },
});

/** A reaction per event that finishes when the test says so. */
const controlled = () => {
  const started: number[] = [];
  const finish = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  const react = (e: StoredEvent) =>
    new Promise<void>((resolve, reject) => {
      started.push(Number(e.position));
      finish.set(Number(e.position), { resolve, reject });
    });
  return { started, finish, react };
};

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('ConcurrentReactions', () => {
  const keyOf = (e: StoredEvent) => (e.data as { key?: string }).key;

  it('runs different keys at once, one key in order, and moves the watermark only over finished work', async () => {
    const { started, finish, react } = controlled();
    const reactions = new ConcurrentReactions({ react, keyOf }, 10n);
    for (const [position, key] of [
      [11, 'a'],
      [12, 'b'],
      [13, 'a'],
      [14, undefined],
    ] as const)
      await reactions.offer(event(position, key));
    await tick();
    expect(started).toEqual([11, 12]); // 13 waits for 11: same key
    expect(reactions.watermark).toBe(10n);

    finish.get(12)!.resolve();
    await tick();
    expect(reactions.watermark).toBe(10n); // 11 still runs: 12 done is not enough

    finish.get(11)!.resolve();
    await tick();
    expect(started).toEqual([11, 12, 13]);
    expect(reactions.watermark).toBe(12n);

    finish.get(13)!.resolve();
    await tick();
    expect(reactions.watermark).toBe(14n); // 14 needed nothing
  });

  it('tells onAdvance each new watermark, once per move', async () => {
    const { finish, react } = controlled();
    const moves: bigint[] = [];
    const reactions = new ConcurrentReactions({ react, keyOf, onAdvance: (mark) => moves.push(mark) }, 10n);
    await reactions.offer(event(11, undefined));
    await reactions.offer(event(12, 'a'));
    await reactions.offer(event(13, undefined));
    await tick();
    expect(moves).toEqual([11n]);
    finish.get(12)!.resolve();
    await tick();
    expect(moves).toEqual([11n, 13n]);
  });

  it('waits for room when maxInFlight reactions run', async () => {
    const { started, finish, react } = controlled();
    const reactions = new ConcurrentReactions({ react, keyOf, maxInFlight: 2 });
    await reactions.offer(event(1, 'a'));
    await reactions.offer(event(2, 'b'));
    let third = false;
    const offered = reactions.offer(event(3, 'c')).then(() => (third = true));
    await tick();
    expect(third).toBe(false);
    finish.get(1)!.resolve();
    await offered;
    await tick();
    expect(started).toEqual([1, 2, 3]);
  });

  it('reports a failure at the next offer, and settle answers where to resume: before the failed event', async () => {
    const { finish, react } = controlled();
    const reactions = new ConcurrentReactions({ react, keyOf }, 0n);
    await reactions.offer(event(1, 'a'));
    await reactions.offer(event(2, 'b'));
    await reactions.offer(event(3, 'c'));
    finish.get(1)!.resolve();
    finish.get(2)!.reject(new Error('database gone'));
    await tick();
    await expect(reactions.offer(event(4, 'd'))).rejects.toThrow('database gone');
    finish.get(3)!.resolve();
    await expect(reactions.settle()).resolves.toBe(1n);
    // After settling it takes events again (the subscription restarts after the watermark).
    await reactions.offer(event(2, 'b'));
    finish.get(2)!.resolve();
    await tick();
    expect(reactions.watermark).toBe(2n);
  });
  it('leaves undone a reaction that failed for good, holding the watermark before it, and goes on with the others', async () => {
    const { started, finish, react } = controlled();
    const left: number[] = [];
    const reactions = new ConcurrentReactions(
      {
        react,
        keyOf,
        leavesUndone: (error) => error instanceof Error && error.message === 'unknown',
        onLeftUndone: (e) => left.push(Number(e.position)),
      },
      0n,
    );
    await reactions.offer(event(1, 'a'));
    finish.get(1)!.reject(new Error('unknown'));
    await tick();
    await reactions.offer(event(2, 'b'));
    finish.get(2)!.resolve();
    await tick();
    expect(started).toEqual([1, 2]);
    expect(left).toEqual([1]);
    expect(reactions.watermark).toBe(0n);
    await expect(reactions.settle()).resolves.toBe(0n);
  });
  it('never counts a reaction done that was skipped because another key failed (issue 13: lost credits)', async () => {
    const { started, finish, react } = controlled();
    const reactions = new ConcurrentReactions({ react, keyOf }, 0n);
    await reactions.offer(event(1, 'a'));
    await reactions.offer(event(2, 'a')); // waits behind 1
    await reactions.offer(event(3, 'b'));
    finish.get(3)!.reject(new Error('connection terminated'));
    await tick();
    finish.get(1)!.resolve();
    await tick();
    // 2 never ran: the watermark must stay before it, and a restart must deliver it again.
    expect(started).toEqual([1, 3]);
    await expect(reactions.settle()).resolves.toBe(1n);
    await reactions.offer(event(2, 'a'));
    await tick();
    expect(started).toEqual([1, 3, 2]);
  });

  it('keeps the watermark before every unfinished reaction whatever fails, in any order (property)', async () => {
    // Random offers over few keys, random outcomes and finishing order: after settle, every position
    // at or before the watermark either needed no reaction or had one that finished without error.
    const fc = await import('fast-check');
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ key: fc.constantFrom('a', 'b', 'c', undefined), fails: fc.boolean() }), { minLength: 1, maxLength: 12 }),
        fc.array(fc.nat(), { minLength: 12, maxLength: 12 }),
        async (offers, order) => {
          const { finish, react } = controlled();
          const finished = new Set<number>();
          const reactions = new ConcurrentReactions({ react: (e) => react(e).then(() => void finished.add(Number(e.position))), keyOf }, 0n);
          let offered = 0;
          for (const [index, offer] of offers.entries()) {
            try {
              await reactions.offer(event(index + 1, offer.key));
              offered = index + 1;
            } catch {
              break;
            }
            // Finish none, one or two started reactions, chosen at random, between offers.
            for (let n = 0; n < order[index]! % 3; n++) {
              const open = [...finish.keys()].sort((x, y) => x - y);
              if (open.length === 0) break;
              const position = open[(order[index]! >> 2) % open.length]!;
              const control = finish.get(position)!;
              finish.delete(position);
              if (offers[position - 1]!.fails) control.reject(new Error('fault'));
              else control.resolve();
              await tick();
            }
          }
          const settling = reactions.settle();
          for (let rounds = 0; rounds < 20 && finish.size > 0; rounds++) {
            for (const [position, control] of [...finish]) {
              finish.delete(position);
              if (offers[position - 1]!.fails) control.reject(new Error('fault'));
              else control.resolve();
            }
            await tick();
          }
          const mark = Number((await settling) ?? 0n);
          expect(mark).toBeLessThanOrEqual(offered);
          for (let position = 1; position <= mark; position++) {
            if (offers[position - 1]!.key !== undefined) expect(finished.has(position)).toBe(true);
          }
        },
      ),
      {
        numRuns: 500,
        // The shape of the lost credit: 2 queued behind 1 on key a, 3 on key b fails, then 1 finishes.
        examples: [
          [
            [
              { key: 'a', fails: false },
              { key: 'a', fails: false },
              { key: 'b', fails: true },
            ],
            [0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0],
          ],
        ],
      },
    );
  });
});

describe('credits reaction keys', () => {
  it('name a key for exactly the events the process manager reacts to', async () => {
    // A runner, packets and timers that fail on any use: an event without a key must need none.
    const refuse = new Proxy({}, { get: () => () => Promise.reject(new Error('reacted')) });
    const manager = new CreditsProcessManager(
      refuse as never,
      refuse as never,
      refuse as never,
      refuse as never,
      refuse as never,
      refuse as never,
      { steps: () => refuse } as never,
      refuse as never,
      { steps: () => refuse } as never,
    );
    for (const type of Object.keys(EVENT_CATALOG)) {
      const data = {
        redPacketId: 'p',
        toUserId: 'u',
        authorId: 'u',
        userId: 'u',
        senderId: 'u',
        buyerId: 'u',
        merchantId: 'm',
        orderId: 'o',
        productId: 'p',
        amount: 1,
        remainingShares: 1,
        expiresAt: new Date(0).toISOString(),
      };
      const stored = { ...event(1), type, data };
      const reacts = await manager.handle(stored).then(
        () => false,
        () => true,
      );
      expect({ type, keyed: reactionKey(stored) !== undefined }).toEqual({ type, keyed: reacts });
    }
  });
});
