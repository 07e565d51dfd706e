import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { DeliveredEvent, EventConsumer, OutgoingEvent, RawDelivery } from '../event-bus.port';
import { UndecodableMessageError } from '../cloud-events';
import { eventLog, walletFunded } from '../testing/events';
import { waitFor } from '../testing/wait-for';
import { InProcessEventBus } from './in-process-event-bus';

const fastRetry = { initialMs: 10, maxMs: 40 };

const packetClaimed = (userId: string) => ({
  type: 'RedPacketClaimed',
  data: { redPacketId: 'p', senderId: 's', userId, amount: 1, remainingAmount: 9, remainingShares: 9 },
});

/** Events on three wallet streams, interleaved, plus a red packet stream: two topics. */
const history = (): OutgoingEvent[] => {
  const log = eventLog();
  const out: OutgoingEvent[] = [];
  for (let i = 0; i < 4; i++) {
    for (const user of ['u1', 'u2', 'u3']) {
      const e = walletFunded(user, 100 + i);
      out.push(log.next(`wallet-${user}`, e.type, e.data));
    }
    const c = packetClaimed(`u${i}`);
    out.push(log.next('red-packet-p', c.type, c.data));
  }
  return out;
};

describe('InProcessEventBus', () => {
  let bus: InProcessEventBus;
  const consumers: EventConsumer[] = [];
  const started = async (consumer: EventConsumer) => {
    consumers.push(consumer);
    await consumer.start();
    return consumer;
  };

  beforeEach(() => {
    bus = new InProcessEventBus({ topicPrefix: 'zt' });
  });
  afterEach(async () => {
    await Promise.all(consumers.splice(0).map((c) => c.stop()));
    await bus.close();
  });

  it('delivers every event, decoded, in publish order per topic', async () => {
    const events = history();
    await bus.publisher().publish(events);
    const seen: DeliveredEvent[] = [];
    await started(bus.consumer({ groupId: 'g', categories: ['wallet', 'red-packet'], handle: async (d) => void seen.push(d) }));

    await waitFor(
      'all events',
      () => seen.length === events.length,
      2000,
      () => seen.length,
    );
    for (const category of ['wallet', 'red-packet']) {
      const expected = events.filter((o) => o.event.streamId.startsWith(`${category}-`));
      const got = seen.filter((d) => d.category === category);
      expect(got.map((d) => ({ event: d.event, prevPosition: d.prevPosition }))).toEqual(expected);
      expect(got.map((d) => d.offset)).toEqual(expected.map((_, i) => String(i)));
      expect(new Set(got.map((d) => d.topic))).toEqual(new Set([`zt.${category}`]));
    }
  });

  it('keeps what it delivers apart from what was published (it went through the encoding)', async () => {
    const [first] = history();
    await bus.publisher().publish([first!]);
    let delivered: DeliveredEvent | undefined;
    await started(bus.consumer({ groupId: 'g', categories: ['wallet'], handle: async (d) => void (delivered = d) }));
    await waitFor('the event', () => delivered !== undefined);
    expect(delivered!.event).toEqual(first!.event);
    expect(delivered!.event).not.toBe(first!.event);
  });

  it('delivers a failed message again after a backoff, and nothing after it in the meantime', async () => {
    const events = history().filter((o) => o.event.type === 'WalletFunded');
    await bus.publisher().publish(events);
    const failing = events[4]!.event.id;
    const handled: string[] = [];
    const errors: Array<{ offset: string; attempt: number }> = [];
    const failedAt: number[] = [];
    let failures = 0;
    await started(
      bus.consumer({
        groupId: 'g',
        categories: ['wallet'],
        retryBackoff: { initialMs: 50, maxMs: 50 },
        handle: async ({ event }) => {
          if (event.id === failing && failures < 2) {
            failures++;
            throw new Error('projection store unavailable');
          }
          handled.push(event.id);
        },
        onError: (_error, raw, attempt) => {
          errors.push({ offset: raw.offset, attempt });
          failedAt.push(Date.now());
        },
      }),
    );

    await waitFor(
      'all events handled',
      () => handled.length === events.length,
      2000,
      () => handled,
    );
    expect(handled).toEqual(events.map((o) => o.event.id));
    expect(errors).toEqual([
      { offset: '4', attempt: 1 },
      { offset: '4', attempt: 2 },
    ]);
    expect(failedAt[1]! - failedAt[0]!).toBeGreaterThanOrEqual(45);
  });

  it('goes on with the other topics while one waits for a redelivery', async () => {
    const events = history();
    await bus.publisher().publish(events);
    let packetsFail = true;
    const handled: DeliveredEvent[] = [];
    await started(
      bus.consumer({
        groupId: 'g',
        categories: ['red-packet', 'wallet'],
        retryBackoff: fastRetry,
        onError: () => undefined,
        handle: async (d) => {
          if (d.category === 'red-packet' && packetsFail) throw new Error('down');
          handled.push(d);
        },
      }),
    );
    const wallet = events.filter((o) => o.event.type === 'WalletFunded').length;
    await waitFor(
      'the wallet events',
      () => handled.length === wallet,
      2000,
      () => handled.length,
    );
    expect(handled.every((d) => d.category === 'wallet')).toBe(true);
    packetsFail = false;
    await waitFor(
      'the packet events too',
      () => handled.length === events.length,
      2000,
      () => handled.length,
    );
  });

  it('resumes a group after the last offset it committed', async () => {
    const events = history().filter((o) => o.event.type === 'WalletFunded');
    await bus.publisher().publish(events);
    const first: string[] = [];
    const consumer: EventConsumer = bus.consumer({
      groupId: 'g',
      categories: ['wallet'],
      handle: async ({ event }) => {
        first.push(event.id);
        if (first.length === 5) void consumer.stop(); // stops after this message
      },
    });
    await started(consumer);
    await waitFor('the first five', () => first.length >= 5);
    await consumer.stop();
    expect(first).toEqual(events.slice(0, 5).map((o) => o.event.id));

    const second: string[] = [];
    await started(bus.consumer({ groupId: 'g', categories: ['wallet'], handle: async ({ event }) => void second.push(event.id) }));
    await waitFor(
      'the rest',
      () => second.length === events.length - 5,
      2000,
      () => second,
    );
    expect(second).toEqual(events.slice(5).map((o) => o.event.id));
  });

  it('resumes when the same consumer is started again, and close() stops it', async () => {
    const events = history().filter((o) => o.event.type === 'WalletFunded');
    const publisher = bus.publisher();
    await publisher.publish(events.slice(0, 4));
    const seen: string[] = [];
    const consumer = bus.consumer({ groupId: 'g', categories: ['wallet'], handle: async ({ event }) => void seen.push(event.id) });
    await consumer.start();
    await waitFor('the first four', () => seen.length === 4);
    await consumer.stop();
    await publisher.publish(events.slice(4, 8));
    await consumer.start();
    await waitFor('the next four', () => seen.length === 8);
    expect(seen).toEqual(events.slice(0, 8).map((o) => o.event.id));

    await bus.close();
    await bus.publisher().publish(events.slice(8, 9));
    // An absence can only be watched for a while; a running consumer takes well under 1 ms.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(seen).toHaveLength(8);
  });

  it('delivers a message that failed before a stop again to the next member of the group', async () => {
    const [a, b] = history();
    await bus.publisher().publish([a!, b!]);
    let attempts = 0;
    const consumer = bus.consumer({
      groupId: 'g',
      categories: ['wallet'],
      retryBackoff: { initialMs: 10_000, maxMs: 10_000 },
      onError: () => undefined,
      handle: async ({ event }) => {
        if (event.id === b!.event.id) {
          attempts++;
          throw new Error('fails');
        }
      },
    });
    await started(consumer);
    await waitFor('the failure', () => attempts === 1);
    await consumer.stop();

    const seen: string[] = [];
    await started(bus.consumer({ groupId: 'g', categories: ['wallet'], handle: async ({ event }) => void seen.push(event.id) }));
    await waitFor('the redelivery', () => seen.length === 1);
    expect(seen).toEqual([b!.event.id]);
  });

  it("reports a group's lag: messages of its topics it has not committed", async () => {
    const events = history();
    await bus.publisher().publish(events);
    await bus.ping();
    expect(await bus.lag('g', ['wallet', 'red-packet'])).toBe(events.length);
    expect(await bus.lag('g', ['red-packet'])).toBe(4);
    const seen: DeliveredEvent[] = [];
    await started(bus.consumer({ groupId: 'g', categories: ['wallet', 'red-packet'], handle: async (d) => void seen.push(d) }));
    await waitFor(
      'all events',
      () => seen.length === events.length,
      2000,
      () => seen.length,
    );
    await consumers.splice(0)[0]!.stop();
    expect(await bus.lag('g', ['wallet', 'red-packet'])).toBe(0);
    expect(await bus.lag('another', ['wallet'])).toBe(12);
  });

  it('keeps groups independent', async () => {
    const events = history().filter((o) => o.event.type === 'WalletFunded');
    const publisher = bus.publisher();
    await publisher.publish(events.slice(0, 6));
    const g1: string[] = [];
    const g2: string[] = [];
    const c1 = await started(bus.consumer({ groupId: 'g1', categories: ['wallet'], handle: async ({ event }) => void g1.push(event.id) }));
    await waitFor('g1 caught up', () => g1.length === 6);
    await c1.stop();
    await started(bus.consumer({ groupId: 'g2', categories: ['wallet'], handle: async ({ event }) => void g2.push(event.id) }));
    await publisher.publish(events.slice(6));
    await waitFor(
      'g2 has all',
      () => g2.length === events.length,
      2000,
      () => g2.length,
    );
    expect(g2).toEqual(events.map((o) => o.event.id));
    expect(g1).toHaveLength(6);
  });

  it('gives a topic to one member of a group at a time, and hands it over when that member stops', async () => {
    const events = history().filter((o) => o.event.type === 'WalletFunded');
    const publisher = bus.publisher();
    const a: string[] = [];
    const b: string[] = [];
    const first = await started(bus.consumer({ groupId: 'g', categories: ['wallet'], handle: async ({ event }) => void a.push(event.id) }));
    await started(bus.consumer({ groupId: 'g', categories: ['wallet'], handle: async ({ event }) => void b.push(event.id) }));
    await publisher.publish(events.slice(0, 6));
    await waitFor('the first member has them', () => a.length === 6);
    await first.stop();
    await publisher.publish(events.slice(6));
    await waitFor(
      'the second takes over',
      () => b.length === events.length - 6,
      2000,
      () => b,
    );
    expect(b).toEqual(events.slice(6).map((o) => o.event.id));
  });

  it('starts a new group at the end when fromBeginning is false', async () => {
    const events = history().filter((o) => o.event.type === 'WalletFunded');
    const publisher = bus.publisher();
    await publisher.publish(events.slice(0, 3));
    const seen: string[] = [];
    await started(bus.consumer({ groupId: 'late', categories: ['wallet'], fromBeginning: false, handle: async ({ event }) => void seen.push(event.id) }));
    await publisher.publish(events.slice(3, 5));
    await waitFor('the new events', () => seen.length === 2);
    expect(seen).toEqual(events.slice(3, 5).map((o) => o.event.id));
  });

  it('hands an undecodable message to onUndecodable and goes on', async () => {
    const [a] = history();
    bus.append([{ topic: 'zt.wallet', key: 'wallet-u1', headers: { ce_specversion: '1.0' }, value: '{' }]);
    await bus.publisher().publish([a!]);
    const undecodable: Array<{ raw: RawDelivery; error: unknown }> = [];
    const seen: string[] = [];
    await started(
      bus.consumer({
        groupId: 'g',
        categories: ['wallet'],
        handle: async ({ event }) => void seen.push(event.id),
        onUndecodable: async (raw, error) => void undecodable.push({ raw, error }),
      }),
    );
    await waitFor('the valid event after it', () => seen.length === 1);
    expect(undecodable).toHaveLength(1);
    expect(undecodable[0]!.raw).toMatchObject({ topic: 'zt.wallet', offset: '0', key: 'wallet-u1', value: '{' });
    expect(undecodable[0]!.error).toBeInstanceOf(UndecodableMessageError);
  });

  it('writes records as given with publishRecords, and gives each delivery its raw message', async () => {
    const [first] = history();
    const publisher = bus.publisher();
    await publisher.publishRecords([{ topic: 'zt.dead-letter.x', key: null, headers: { why: 'test' }, value: 'anything' }]);
    await publisher.publish([first!]);
    expect(bus.read('zt.dead-letter.x', 0)).toEqual({ key: null, headers: { why: 'test' }, value: 'anything' });
    let delivered: DeliveredEvent | undefined;
    await started(bus.consumer({ groupId: 'g', categories: ['wallet'], handle: async (d) => void (delivered = d) }));
    await waitFor('the event', () => delivered !== undefined);
    expect(delivered!.raw).toMatchObject({ topic: 'zt.wallet', offset: '0', key: first!.event.streamId, headers: { ce_id: first!.event.id } });
  });

  it('without onUndecodable, keeps redelivering an undecodable message', async () => {
    const [a] = history();
    bus.append([{ topic: 'zt.wallet', key: 'k', headers: {}, value: null }]);
    await bus.publisher().publish([a!]);
    const attempts: number[] = [];
    const seen: string[] = [];
    await started(
      bus.consumer({
        groupId: 'g',
        categories: ['wallet'],
        retryBackoff: fastRetry,
        onError: (error, _raw, attempt) => {
          expect(error).toBeInstanceOf(UndecodableMessageError);
          attempts.push(attempt);
        },
        handle: async ({ event }) => void seen.push(event.id),
      }),
    );
    await waitFor('three attempts', () => attempts.length >= 3);
    expect(attempts.slice(0, 3)).toEqual([1, 2, 3]);
    expect(seen).toEqual([]);
  });

  it('publishes nothing of a batch that cannot be encoded', async () => {
    const [a, b] = history();
    await expect(bus.publisher().publish([a!, { ...b!, prevPosition: b!.event.position }])).rejects.toThrow(RangeError);
    expect(bus.end('zt.wallet')).toBe(0);
  });
});

describe('InProcessEventBus retention', () => {
  const walletEvents = (count: number, from = 0): OutgoingEvent[] => {
    const log = eventLog(BigInt(from + 1));
    return Array.from({ length: count }, (_, i) => {
      const e = walletFunded(`u${from + i}`, 100);
      return log.next(`wallet-u${from + i}`, e.type, e.data);
    });
  };
  const stops: EventConsumer[] = [];
  afterEach(async () => {
    await Promise.all(stops.splice(0).map((c) => c.stop()));
  });
  const reading = async (bus: InProcessEventBus, groupId: string, seen: string[], fails = () => false) => {
    const consumer = bus.consumer({
      groupId,
      categories: ['wallet'],
      retryBackoff: { initialMs: 5, maxMs: 5 },
      onError: () => undefined,
      handle: async ({ event }) => {
        if (fails()) throw new Error('down');
        seen.push(event.id);
      },
    });
    stops.push(consumer);
    await consumer.start();
  };

  it('drops the messages every group has committed, once past the retention, and keeps those a group has not', async () => {
    const bus = new InProcessEventBus({ topicPrefix: 'zr', retainMs: 0 });
    const fast: string[] = [];
    const slow: string[] = [];
    let slowDown = true;
    await reading(bus, 'fast', fast);
    await reading(bus, 'slow', slow, () => slowDown);
    const publisher = bus.publisher();
    const first = walletEvents(10);
    await publisher.publish(first);
    await waitFor('the fast group read them', () => fast.length === 10);
    await publisher.publish(walletEvents(1, 10));
    // The slow group has committed none: everything is kept for it.
    expect(bus.read('zr.wallet', 0)).toBeDefined();

    slowDown = false;
    const committed = (count: number) => () => bus.committed('fast', 'zr.wallet') === count && bus.committed('slow', 'zr.wallet') === count;
    await waitFor('both groups committed them all', committed(11), 2000, () => slow.length);
    expect(slow).toEqual([...first.map((o) => o.event.id), expect.any(String)]);
    await publisher.publish(walletEvents(1, 11));
    // Every group committed the first eleven: they are gone, offsets go on where they were.
    expect(bus.read('zr.wallet', 0)).toBeUndefined();
    expect(bus.read('zr.wallet', 10)).toBeUndefined();
    expect(bus.end('zr.wallet')).toBe(12);
    await waitFor('both committed the last', committed(12));
    expect(await bus.lag('fast', ['wallet'])).toBe(0);
    expect(await bus.lag('never-started', ['wallet'])).toBe(1);

    // A group that starts now reads from the oldest message kept (Kafka's earliest).
    const late: string[] = [];
    await reading(bus, 'late', late);
    await publisher.publish(walletEvents(1, 12));
    await waitFor(
      'the late group reads what is kept',
      () => late.length === 2,
      2000,
      () => late,
    );
    expect(late).toEqual(fast.slice(11));
  });

  it('keeps every message younger than the retention for a group that starts later', async () => {
    const bus = new InProcessEventBus({ topicPrefix: 'zk' });
    const early: string[] = [];
    await reading(bus, 'early', early);
    const events = walletEvents(3000);
    await bus.publisher().publish(events.slice(0, 1500));
    await waitFor(
      'the early group read them',
      () => early.length === 1500,
      5000,
      () => early.length,
    );
    await bus.publisher().publish(events.slice(1500));
    const late: string[] = [];
    await reading(bus, 'late', late);
    await waitFor(
      'the late group reads them all',
      () => late.length === 3000,
      5000,
      () => late.length,
    );
    expect(late).toEqual(events.map((o) => o.event.id));
  });

  it('keeps the heap of a long-running process flat: what every group read is not held forever', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const heap = () => {
      gc();
      gc();
      return process.memoryUsage().heapUsed;
    };
    const bus = new InProcessEventBus({ topicPrefix: 'zh', retainMs: 0 });
    const seen = { count: 0 };
    const consumer = bus.consumer({ groupId: 'g', categories: ['wallet'], handle: async () => void seen.count++ });
    stops.push(consumer);
    await consumer.start();
    const publisher = bus.publisher();
    const rounds = 20;
    const perRound = 2000;
    const before = heap();
    for (let round = 0; round < rounds; round++) {
      await publisher.publish(walletEvents(perRound, round * perRound));
      await waitFor(
        'the group read them',
        () => seen.count === (round + 1) * perRound,
        10_000,
        () => seen.count,
      );
    }
    await publisher.publish(walletEvents(1, rounds * perRound));
    const grown = heap() - before;
    // 40,000 encoded events (about 1 KB each) were all held before: ~40 MB.
    expect(grown).toBeLessThan(10_000_000);
  });
});
