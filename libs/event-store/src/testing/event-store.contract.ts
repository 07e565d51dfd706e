import { randomUUID } from 'node:crypto';
import { currentVersion, type EventMetadata, type NewEvent, type StoredEvent } from '@zan/contracts';
import {
  DuplicateEventError,
  StreamChangedError,
  WrongExpectedRevisionError,
  type CheckpointStore,
  type EventStore,
  type ExpectedRevision,
} from '../event-store.port';

export interface EventStoreContractSubject {
  eventStore: EventStore;
  checkpoints: CheckpointStore;
  /** Called once after the suite; a shared store may leave this empty. */
  dispose(): Promise<void>;
  /**
   * False when the store refuses a repeated event id only within its stream (EventStoreDB). Zan
   * derives every id from its stream's command or cause, so a repeat always targets the same stream.
   */
  uniqueIdsAcrossStreams?: boolean;
}

/** Polls a condition until it holds; fails with `what` after `timeoutMs`. */
export const waitFor = async (condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

/**
 * Waits until readAll can see `position`. Stores that hold back readers behind transactions still in
 * flight (the SQL store, across the whole database server) may lag an append that has returned.
 */
export const waitUntilReadable = (store: EventStore, position: bigint): Promise<void> =>
  waitFor(async () => ((await store.headPosition()) ?? -1n) >= position, `position ${position} to be readable`);

export const testMetadata = (overrides: Partial<EventMetadata> = {}): EventMetadata => ({
  correlationId: randomUUID(),
  causationId: randomUUID(),
  userId: 'user-1',
  ...overrides,
});

export const testEvent = (data: unknown = { n: 0 }, overrides: Partial<NewEvent> = {}): NewEvent => ({
  id: randomUUID(),
  type: 'ContractTested',
  data,
  metadata: testMetadata(),
  occurredAt: new Date().toISOString(),
  ...overrides,
});

export const testEvents = (count: number, tag = 'e'): NewEvent[] => Array.from({ length: count }, (_, n) => testEvent({ tag, n }));

const byPosition = (a: StoredEvent, b: StoredEvent) => (a.position < b.position ? -1 : a.position > b.position ? 1 : 0);

export const expectStrictlyIncreasingPositions = (events: StoredEvent[]): void => {
  for (let i = 1; i < events.length; i += 1) {
    if (!(events[i].position > events[i - 1].position)) {
      throw new Error(`position ${events[i].position} at ${i} does not follow ${events[i - 1].position}`);
    }
  }
};

const expectConflict = async (append: Promise<unknown>, actual: number | 'no_stream'): Promise<WrongExpectedRevisionError> => {
  const error = await append.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WrongExpectedRevisionError);
  expect((error as WrongExpectedRevisionError).actual).toBe(actual);
  return error as WrongExpectedRevisionError;
};

/**
 * The behaviour every EventStore adapter owes its callers. `factory` runs once for the suite; the
 * tests share the store, so each uses its own streams and reads the global log from its own start.
 */
export const describeEventStoreContract = (name: string, factory: () => Promise<EventStoreContractSubject>): void => {
  describe(`EventStore contract: ${name}`, () => {
    let subject: EventStoreContractSubject;
    let store: EventStore;
    let checkpoints: CheckpointStore;
    const stream = (label: string) => `contract-${label}-${randomUUID()}`;

    beforeAll(async () => {
      subject = await factory();
      store = subject.eventStore;
      checkpoints = subject.checkpoints;
    });

    afterAll(async () => {
      await subject?.dispose();
    });

    describe('append and readStream', () => {
      it('reads a stream back forwards, backwards, from a revision and up to a count', async () => {
        const id = stream('read');
        const first = await store.append(id, testEvents(3), 'no_stream');
        const second = await store.append(id, testEvents(2, 'f'), 2);
        expect(first.nextExpectedRevision).toBe(2);
        expect(second.nextExpectedRevision).toBe(4);
        expect(second.events.map((e) => e.revision)).toEqual([3, 4]);
        expect(second.position).toBe(second.events[1].position);
        expect(second.position > first.position).toBe(true);

        const all = await store.readStream(id);
        expect(all.map((e) => e.revision)).toEqual([0, 1, 2, 3, 4]);
        expect(all.map((e) => (e.data as { n: number }).n)).toEqual([0, 1, 2, 0, 1]);
        expect(all.map((e) => e.id)).toEqual([...first.events, ...second.events].map((e) => e.id));
        expect(all.map((e) => e.position)).toEqual([...first.events, ...second.events].map((e) => e.position));
        expect(all.every((e) => e.streamId === id)).toBe(true);
        expectStrictlyIncreasingPositions(all);

        const backwards = await store.readStream(id, { direction: 'backwards' });
        expect(backwards.map((e) => e.revision)).toEqual([4, 3, 2, 1, 0]);
        expect((await store.readStream(id, { fromRevision: 2 })).map((e) => e.revision)).toEqual([2, 3, 4]);
        expect((await store.readStream(id, { fromRevision: 1, maxCount: 2 })).map((e) => e.revision)).toEqual([1, 2]);
        expect((await store.readStream(id, { direction: 'backwards', fromRevision: 2 })).map((e) => e.revision)).toEqual([2, 1, 0]);
        expect((await store.readStream(id, { direction: 'backwards', maxCount: 1 })).map((e) => e.revision)).toEqual([4]);
        expect(await store.readStream(id, { fromRevision: 5 })).toEqual([]);
      });

      it('reads a missing stream as empty', async () => {
        expect(await store.readStream(stream('missing'))).toEqual([]);
        expect(await store.readStream(stream('missing'), { direction: 'backwards' })).toEqual([]);
      });

      it('writes nothing for an empty append, yet checks the expectation', async () => {
        const id = stream('empty');
        expect(await store.append(id, [], 'no_stream')).toEqual({ nextExpectedRevision: -1, position: 0n, events: [] });
        await expectConflict(store.append(id, [], 'stream_exists'), 'no_stream');
        const written = await store.append(id, testEvents(2), -1);
        const empty = await store.append(id, [], 1);
        expect(empty).toEqual({ nextExpectedRevision: 1, position: written.position, events: [] });
        await expectConflict(store.append(id, [], 0), 1);
        expect(await store.readStream(id)).toHaveLength(2);
      });
    });

    describe('expected revision', () => {
      it('no_stream: only a new stream', async () => {
        const id = stream('no-stream');
        await store.append(id, testEvents(1), 'no_stream');
        const error = await expectConflict(store.append(id, testEvents(1), 'no_stream'), 0);
        expect(error.streamId).toBe(id);
        expect(error.expected).toBe('no_stream');
        expect(await store.readStream(id)).toHaveLength(1);
      });

      it('stream_exists: only an existing stream', async () => {
        const id = stream('exists');
        await expectConflict(store.append(id, testEvents(1), 'stream_exists'), 'no_stream');
        expect(await store.readStream(id)).toEqual([]);
        await store.append(id, testEvents(1), 'any');
        const appended = await store.append(id, testEvents(2), 'stream_exists');
        expect(appended.nextExpectedRevision).toBe(2);
      });

      it('any: new or existing', async () => {
        const id = stream('any');
        expect((await store.append(id, testEvents(2), 'any')).nextExpectedRevision).toBe(1);
        expect((await store.append(id, testEvents(1), 'any')).nextExpectedRevision).toBe(2);
      });

      it('exact: the revision of the last event, else a typed error with the actual one', async () => {
        const id = stream('exact');
        await expectConflict(store.append(id, testEvents(1), 0), 'no_stream');
        await store.append(id, testEvents(3), 'no_stream');
        const error = await expectConflict(store.append(id, testEvents(1), 1), 2);
        expect(error.expected).toBe(1);
        await expectConflict(store.append(id, testEvents(1), 3), 2);
        expect((await store.append(id, testEvents(1), 2)).nextExpectedRevision).toBe(3);
        expect((await store.readStream(id)).map((e) => e.revision)).toEqual([0, 1, 2, 3]);
      });

      it('lets exactly one of racing appenders win each revision, leaving no gaps', async () => {
        const id = stream('race');
        await store.append(id, testEvents(1), 'no_stream');

        const racing = await Promise.allSettled(Array.from({ length: 20 }, (_, writer) => store.append(id, [testEvent({ writer })], 0)));
        const won = racing.filter((r) => r.status === 'fulfilled');
        expect(won).toHaveLength(1);
        for (const lost of racing.filter((r): r is PromiseRejectedResult => r.status === 'rejected')) {
          expect(lost.reason).toBeInstanceOf(WrongExpectedRevisionError);
          expect((lost.reason as WrongExpectedRevisionError).actual).toBe(1);
        }

        // Twenty writers that read, decide and retry on conflict: each gets exactly one event in.
        let conflicts = 0;
        await Promise.all(
          Array.from({ length: 20 }, async (_, writer) => {
            for (let attempt = 0; attempt < 100; attempt += 1) {
              const [last] = await store.readStream(id, { direction: 'backwards', maxCount: 1 });
              try {
                await store.append(id, [testEvent({ retrying: writer })], last.revision);
                return;
              } catch (error) {
                if (!(error instanceof WrongExpectedRevisionError)) throw error;
                conflicts += 1;
              }
            }
            throw new Error(`writer ${writer} never got in`);
          }),
        );
        const events = await store.readStream(id);
        expect(events.map((e) => e.revision)).toEqual(Array.from({ length: 22 }, (_, i) => i));
        const writers = events.slice(2).map((e) => (e.data as { retrying: number }).retrying);
        expect([...writers].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
        // Twenty writers reading the same head cannot all have got in first time.
        expect(conflicts).toBeGreaterThan(0);
      });
    });

    describe('concurrent appends', () => {
      it('each meets its own expectation: a conflict or a duplicate among them fails alone', async () => {
        const ids = Array.from({ length: 40 }, (_, i) => stream(`many-${i}`));
        await Promise.all(ids.map((id) => store.append(id, testEvents(1), 'no_stream')));
        const stored = testEvent({ stored: true });
        await store.append(ids[1], [stored], 0);

        const outcomes = await Promise.allSettled(
          ids.map((id, i) => {
            if (i === 0) return store.append(id, testEvents(1), 5); // wrong revision: the stream is at 0
            if (i === 1) return store.append(id, [{ ...stored }], 1); // a retry: its event is stored
            if (i === 2) return store.append(id, testEvents(1), 'no_stream'); // the stream exists
            return store.append(id, testEvents(2, `c${i}`), 0);
          }),
        );
        expect(outcomes[0].status === 'rejected' && outcomes[0].reason).toBeInstanceOf(WrongExpectedRevisionError);
        expect(outcomes[1].status === 'rejected' && outcomes[1].reason).toBeInstanceOf(DuplicateEventError);
        expect(outcomes[2].status === 'rejected' && outcomes[2].reason).toBeInstanceOf(WrongExpectedRevisionError);
        const landed = outcomes.slice(3);
        expect(landed.every((o) => o.status === 'fulfilled')).toBe(true);
        for (const [n, outcome] of landed.entries()) {
          const result = (outcome as PromiseFulfilledResult<Awaited<ReturnType<EventStore['append']>>>).value;
          expect(result.nextExpectedRevision).toBe(2);
          expect(result.events.map((e) => e.revision)).toEqual([1, 2]);
          expect(await store.readStream(ids[n + 3])).toEqual([expect.objectContaining({ revision: 0 }), ...result.events]);
        }
        expect(await store.readStream(ids[0])).toHaveLength(1);
        expect(await store.readStream(ids[1])).toHaveLength(2);

        // Every landed event has its own position, and the global log holds them in that order.
        const results = landed.map((o) => (o as PromiseFulfilledResult<Awaited<ReturnType<EventStore['append']>>>).value);
        const positions = results.flatMap((r) => r.events.map((e) => e.position));
        expect(new Set(positions).size).toBe(positions.length);
        const highest = positions.reduce((a, b) => (a > b ? a : b));
        await waitUntilReadable(store, highest);
        const mine = new Set(results.flatMap((r) => r.events.map((e) => e.id)));
        const log: StoredEvent[] = [];
        let after: bigint | undefined;
        for (;;) {
          const page = await store.readAll({ after, maxCount: 1000 });
          log.push(...page.filter((e) => mine.has(e.id)));
          if (page.length < 1000) break;
          after = page[page.length - 1].position;
        }
        expect(log.map((e) => e.position)).toEqual([...positions].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
        expect(log).toEqual(expect.arrayContaining(results.flatMap((r) => r.events)));
      });

      it('an append the database refuses fails alone: the appends made beside it are stored', async () => {
        // A value validation lets through but PostgreSQL refuses (an int column out of range): on the
        // SQL stores the culprit shares one group-commit statement with most of the others.
        const ids = Array.from({ length: 30 }, (_, i) => stream(`refused-${i}`));
        const culprit = 15;
        const outcomes = await Promise.allSettled(
          ids.map((id, i) => store.append(id, [testEvent({ i }, i === culprit ? { version: 2 ** 31 } : {})], 'no_stream')),
        );
        for (const [i, outcome] of outcomes.entries()) {
          if (i === culprit) continue;
          expect(outcome.status).toBe('fulfilled');
          expect((await store.readStream(ids[i])).map((e) => e.data)).toEqual([{ i }]);
        }
        // The culprit meets its own fate (refused, or stored whole where the store accepts it).
        const own = await store.readStream(ids[culprit]);
        expect(own).toHaveLength(outcomes[culprit].status === 'fulfilled' ? 1 : 0);
      });

      it('refuses data that is no JSON object, which no reader could read, storing nothing', async () => {
        for (const data of [null, [1], 'text', 7, true]) {
          const id = stream('not-an-object');
          await expect(store.append(id, [testEvent(data)], 'no_stream')).rejects.toThrow(/data must be a JSON object/);
          expect(await store.readStream(id)).toEqual([]);
        }
      });

      it('refuses text no store keeps (a NUL, an unpaired surrogate) with an error naming where, beside appends that succeed', async () => {
        const bad: [string, unknown, Partial<NewEvent>][] = [
          ['data.note', { note: 'a\u0000b' }, {}],
          ['data.list[1]', { list: ['ok', '\ud800'] }, {}],
          ['data.x', { x: 'low \udc00 alone' }, {}],
          ['a key of data', { ['k\u0000']: 1 }, {}],
          ['metadata.userId', { ok: true }, { metadata: testMetadata({ userId: 'u\u0000' }) }],
        ];
        const ids = Array.from({ length: 12 }, (_, i) => stream(`unstorable-${i}`));
        const outcomes = await Promise.allSettled(
          ids.map((id, i) =>
            i < bad.length ? store.append(id, [testEvent(bad[i][1], bad[i][2])], 'no_stream') : store.append(id, testEvents(1), 'no_stream'),
          ),
        );
        for (const [i, outcome] of outcomes.entries()) {
          if (i < bad.length) {
            expect(outcome.status).toBe('rejected');
            expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(TypeError);
            expect(String((outcome as PromiseRejectedResult).reason.message)).toContain(`${bad[i][0]} holds a NUL or an unpaired surrogate`);
            expect(await store.readStream(ids[i])).toEqual([]);
          } else {
            expect(outcome.status).toBe('fulfilled');
          }
        }
        await expect(store.append(`bad\u0000stream-${randomUUID()}`, testEvents(1), 'any')).rejects.toThrow(TypeError);
        // A surrogate pair is a scalar value, not a lone surrogate.
        await expect(store.append(stream('pair'), [testEvent({ emoji: '\ud83e\udde7' })], 'no_stream')).resolves.toBeDefined();
      });
    });

    describe('global order', () => {
      it('reads all streams in append order, paging with after and maxCount', async () => {
        const start = await store.headPosition();
        const a = stream('all-a');
        const b = stream('all-b');
        const appends = [
          await store.append(a, testEvents(2, 'a1'), 'no_stream'),
          await store.append(b, testEvents(1, 'b1'), 'no_stream'),
          await store.append(a, testEvents(3, 'a2'), 1),
          await store.append(b, testEvents(1, 'b2'), 0),
        ];
        const expectedIds = appends.flatMap((r) => r.events.map((e) => e.id));
        await waitUntilReadable(store, appends[3].position);

        const ours = (events: StoredEvent[]) => events.filter((e) => e.streamId === a || e.streamId === b);
        const all = ours(await store.readAll({ after: start }));
        expect(all.map((e) => e.id)).toEqual(expectedIds);
        expectStrictlyIncreasingPositions(all);
        expect(all.map((e) => e.position)).toEqual(appends.flatMap((r) => r.events.map((e) => e.position)));
        expect(await store.headPosition()).toBe(appends[3].position);

        const paged: StoredEvent[] = [];
        let after = start;
        for (let page = 0; page < 100; page += 1) {
          const batch = await store.readAll({ after, maxCount: 2 });
          expect(batch.length).toBeLessThanOrEqual(2);
          if (batch.length === 0) break;
          paged.push(...batch);
          after = batch[batch.length - 1].position;
        }
        expect(ours(paged).map((e) => e.id)).toEqual(expectedIds);
        expect(await store.readAll({ after: appends[3].position })).toEqual([]);
      });
    });

    describe('subscribeToAll', () => {
      it('catches up, goes live and resumes from a checkpoint: nothing missed, nothing twice', async () => {
        const start = await store.headPosition();
        const prefix = `contract-sub-${randomUUID()}`;
        const ours = (e: StoredEvent) => e.streamId.startsWith(prefix);
        let last = 0n;
        for (let s = 0; s < 3; s += 1) last = (await store.append(`${prefix}-pre-${s}`, testEvents(5, 'pre'), 'no_stream')).position;
        await waitUntilReadable(store, last);

        const checkpointName = `${prefix}-checkpoint`;
        const first: StoredEvent[] = [];
        let seenAtCaughtUp = -1;
        const errors: unknown[] = [];
        const subscription = store.subscribeToAll({
          after: start,
          batchSize: 4,
          onEvent: async (event) => {
            if (ours(event)) first.push(event);
            await checkpoints.save(checkpointName, event.position);
          },
          onCaughtUp: () => {
            seenAtCaughtUp = first.length;
          },
          onError: (error) => errors.push(error),
        });
        await waitFor(() => seenAtCaughtUp >= 0, 'the first catch-up');
        expect(seenAtCaughtUp).toBe(15);

        // Live: four writers append concurrently while the subscription runs, stops and resumes.
        const writers = Array.from({ length: 4 }, async (_, w) => {
          const id = `${prefix}-live-${w}`;
          let expected: ExpectedRevision = 'no_stream';
          for (let n = 0; n < 15; n += 1) {
            const result = await store.append(id, testEvents(1 + (n % 3), `w${w}`), expected);
            expected = result.nextExpectedRevision;
            if (result.position > last) last = result.position;
          }
        });
        await waitFor(() => first.length >= 35, 'live events on the first subscription');
        await subscription.stop();
        const stoppedAt = first.length;
        const checkpoint = await checkpoints.load(checkpointName);
        expect(checkpoint).toBe(first[first.length - 1].position);

        const second: StoredEvent[] = [];
        const resumed = store.subscribeToAll({
          after: checkpoint,
          onEvent: async (event) => {
            if (ours(event)) second.push(event);
          },
          onError: (error) => errors.push(error),
        });
        await Promise.all(writers);
        await waitUntilReadable(store, last);
        const expected = (await store.readAll({ after: start })).filter(ours);
        expect(expected).toHaveLength(15 + 4 * 30);
        await waitFor(() => second.length + stoppedAt >= expected.length, 'the resumed subscription to catch up');
        await resumed.stop();

        expect(first).toHaveLength(stoppedAt);
        const delivered = [...first, ...second];
        expect(errors).toEqual([]);
        expect(delivered.map((e) => e.id)).toEqual(expected.map((e) => e.id));
        expect(new Set(delivered.map((e) => e.id)).size).toBe(delivered.length);
        expectStrictlyIncreasingPositions(delivered);
        expect([...delivered].sort(byPosition).map((e) => e.id)).toEqual(delivered.map((e) => e.id));
      });

      it('hands over one event at a time, and stop() waits for the one in hand', async () => {
        const start = await store.headPosition();
        const id = stream('one-at-a-time');
        await store.append(id, testEvents(3), 'no_stream');
        let inFlight = 0;
        let maxInFlight = 0;
        const log: string[] = [];
        let release!: () => void;
        const gate = new Promise<void>((resolve) => (release = resolve));
        const subscription = store.subscribeToAll({
          after: start,
          onEvent: async (event) => {
            if (event.streamId !== id) return;
            inFlight += 1;
            maxInFlight = Math.max(maxInFlight, inFlight);
            log.push(`start ${event.revision}`);
            if (event.revision === 1) await gate;
            else await new Promise((resolve) => setTimeout(resolve, 5));
            log.push(`end ${event.revision}`);
            inFlight -= 1;
          },
        });
        try {
          await waitFor(() => log.includes('start 1'), 'the second event to be in hand');
          const stopping = subscription.stop().then(() => log.push('stopped'));
          for (let i = 0; i < 5; i += 1) await new Promise((resolve) => setImmediate(resolve));
          expect(log).not.toContain('stopped');
          release();
          await stopping;
        } finally {
          release();
        }
        expect(log).toEqual(['start 0', 'end 0', 'start 1', 'end 1', 'stopped']);
        expect(maxInFlight).toBe(1);
      });

      it('stops on an error thrown by onEvent and reports it', async () => {
        const start = await store.headPosition();
        const id = stream('failing');
        await store.append(id, testEvents(3), 'no_stream');
        const handled: number[] = [];
        const errors: unknown[] = [];
        const failure = new Error('projection failed');
        const subscription = store.subscribeToAll({
          after: start,
          onEvent: async (event) => {
            if (event.streamId !== id) return;
            handled.push(event.revision);
            if (event.revision === 1) throw failure;
          },
          onError: (error) => errors.push(error),
        });
        await subscription.done;
        expect(errors).toEqual([failure]);
        expect(handled).toEqual([0, 1]);
        await subscription.stop();
      });
    });

    describe('payloads', () => {
      it('appends 5000 events in one append', async () => {
        const id = stream('large-batch');
        const events = testEvents(5000, 'bulk');
        const result = await store.append(id, events, 'no_stream');
        expect(result.nextExpectedRevision).toBe(4999);
        expectStrictlyIncreasingPositions(result.events);
        const read = await store.readStream(id);
        expect(read).toHaveLength(5000);
        expect(read.map((e) => e.id)).toEqual(events.map((e) => e.id));
        expect(read[4321].data).toEqual({ tag: 'bulk', n: 4321 });
        expect(read.map((e) => e.position)).toEqual(result.events.map((e) => e.position));
      });

      it('keeps unicode and a 1 MB payload intact', async () => {
        const id = stream('unicode');
        const data = {
          megabyte: '😀'.repeat(256 * 1024),
          emoji: '👩‍👩‍👧‍👦 🇨🇳 🧧',
          cjk: '赞赏作者，红包拿来！谢谢老板',
          mixed: 'Ünïcödé ñ ﬁ \u2028\u2029 "quoted" \\ back\\slash\nnew line\ttab',
          rtl: 'مرحبا بالعالم',
          nested: { list: [1, 2.5, -3, true, false, null, { deep: 'é' }], empty: {}, none: [] },
          largest: Number.MAX_SAFE_INTEGER,
        };
        const before = await store.headPosition();
        const [event] = (await store.append(id, [testEvent(data)], 'no_stream')).events;
        const [read] = await store.readStream(id);
        expect(Buffer.byteLength(data.megabyte, 'utf8')).toBe(1024 * 1024);
        expect(read.data).toEqual(data);
        expect(event.data).toEqual(data);
        await waitUntilReadable(store, event.position);
        const fromAll = (await store.readAll({ after: before })).find((e) => e.id === event.id);
        expect(fromAll?.data).toEqual(data);
      });

      it('round-trips the envelope: id, type, version, metadata, occurredAt', async () => {
        const id = stream('envelope');
        const metadata: EventMetadata = {
          correlationId: randomUUID(),
          causationId: randomUUID(),
          userId: '用户-42',
          idempotencyKey: 'key 🔑 1',
          tenant: { region: 'cn-east', tags: ['a', 'b'] },
        };
        const event = testEvent({ amount: 500 }, { type: 'TipPraised', metadata, occurredAt: '2024-02-29T23:59:59.999Z' });
        const [appended] = (await store.append(id, [event], 'no_stream')).events;
        const [read] = await store.readStream(id);
        for (const stored of [appended, read]) {
          expect(stored).toMatchObject({
            id: event.id,
            type: 'TipPraised',
            version: currentVersion('TipPraised'),
            streamId: id,
            revision: 0,
            occurredAt: '2024-02-29T23:59:59.999Z',
            data: { amount: 500 },
            metadata,
          });
          expect(typeof stored.position).toBe('bigint');
        }
        expect(read.position).toBe(appended.position);
        const offset = testEvent({}, { occurredAt: '2024-03-01T08:00:00.000+08:00' });
        await store.append(id, [offset], 0);
        expect((await store.readStream(id, { fromRevision: 1 }))[0].occurredAt).toBe('2024-03-01T00:00:00.000Z');
      });
    });

    describe('event versions', () => {
      it('reads an event stored at an old version upcast to the current one, everywhere it is read', async () => {
        const id = stream('upcast');
        const before = await store.headPosition();
        // WalletFunded v1, as stored before v2 moved the card into `source`.
        const v1 = testEvent({ userId: 'u1', fundingId: 'f-1', cardId: 'icbc-6222', amount: 50_000 }, { type: 'WalletFunded', version: 1 });
        const appended = await store.append(id, [v1], 'no_stream');
        const v2 = {
          type: 'WalletFunded',
          version: 2,
          data: { userId: 'u1', fundingId: 'f-1', amount: 50_000, source: { kind: 'card', cardId: 'icbc-6222' } },
        };
        expect(appended.events[0]).toMatchObject(v2);
        expect(appended.events[0].data).not.toHaveProperty('cardId');
        expect((await store.readStream(id))[0]).toMatchObject(v2);
        await waitUntilReadable(store, appended.position);
        expect((await store.readAll({ after: before })).find((e) => e.id === v1.id)).toMatchObject(v2);
        const delivered: StoredEvent[] = [];
        const subscription = store.subscribeToAll({ after: before, onEvent: async (e) => void (e.id === v1.id && delivered.push(e)) });
        try {
          await waitFor(() => delivered.length === 1, 'the old event through a subscription');
        } finally {
          await subscription.stop();
        }
        expect(delivered[0]).toMatchObject(v2);
      });
    });

    describe('guards: facts of another stream the append was decided on', () => {
      const typed = (type: string) => testEvent({ type }, { type });
      const refusal = (append: Promise<unknown>) =>
        append.then(
          () => undefined,
          (e: unknown) => e,
        );

      it('appends while the guarded stream got only events of the types it is not decided on', async () => {
        const fact = stream('guard-fact');
        const id = stream('guard-holds');
        await store.append(fact, [typed('Opened')], 'no_stream');
        await store.append(id, testEvents(1), 'no_stream', { guards: [{ streamId: fact, revision: 0, unless: [] }] });
        await store.append(fact, [typed('Credited'), typed('Credited')], 0);
        const second = await store.append(id, testEvents(1, 'f'), 0, { guards: [{ streamId: fact, revision: 0, unless: ['Credited'] }] });
        expect(second.nextExpectedRevision).toBe(1);
        expect(await store.readStream(id)).toHaveLength(2);
      });

      it('refuses with StreamChangedError when the guarded stream got another event since, appending nothing', async () => {
        const fact = stream('guard-fact');
        const id = stream('guard-broken');
        await store.append(fact, [typed('Opened'), typed('Credited')], 'no_stream');
        await store.append(id, testEvents(2), 'no_stream');
        await store.append(fact, [typed('Credited'), typed('Revoked'), typed('Credited')], 1);

        const error = await refusal(store.append(id, testEvents(1, 'x'), 1, { guards: [{ streamId: fact, revision: 1, unless: ['Credited'] }] }));
        expect(error).toBeInstanceOf(StreamChangedError);
        expect(error).toMatchObject({ streamId: fact, revision: 1 });
        expect(await store.readStream(id)).toHaveLength(2);
        // Decided again on the fact as it is now, the same append goes in at the same revision.
        await store.append(id, testEvents(1, 'y'), 1, { guards: [{ streamId: fact, revision: 4, unless: ['Credited'] }] });
        expect((await store.readStream(id)).map((e) => e.revision)).toEqual([0, 1, 2]);
        // A guard at revision 3 (the revocation) holds: only what came after it counts.
        await store.append(id, testEvents(1, 'z'), 2, { guards: [{ streamId: fact, revision: 3, unless: ['Credited'] }] });
      });

      it('guards a stream that was not there (revision -1) and the creation of a new stream', async () => {
        const fact = stream('guard-missing');
        const id = stream('guard-new');
        const absent = { streamId: fact, revision: -1, unless: ['Credited'] };
        await store.append(id, testEvents(1), 'no_stream', { guards: [absent] });
        await store.append(fact, [typed('Credited')], 'no_stream');
        await store.append(id, testEvents(1, 'f'), 0, { guards: [absent] });
        await store.append(fact, [typed('Opened')], 0);
        const other = stream('guard-new');
        expect(await refusal(store.append(other, testEvents(1), 'no_stream', { guards: [absent] }))).toBeInstanceOf(StreamChangedError);
        expect(await refusal(store.append(id, [], 1, { guards: [absent] }))).toBeInstanceOf(StreamChangedError);
        expect(await store.readStream(other)).toEqual([]);
      });

      it('refuses only the guarded append whose fact changed among concurrent appends', async () => {
        const fact = stream('guard-concurrent');
        await store.append(fact, [typed('Opened'), typed('Revoked')], 'no_stream');
        const ids = Array.from({ length: 8 }, () => stream('guard-concurrent'));
        await Promise.all(ids.map((id) => store.append(id, testEvents(1), 'no_stream')));
        const results = await Promise.all(
          ids.map((id, i) => refusal(store.append(id, testEvents(2, 'g'), 0, { guards: [{ streamId: fact, revision: i === 3 ? 0 : 1, unless: [] }] }))),
        );
        expect(results.map((result) => result?.constructor.name)).toEqual(ids.map((_, i) => (i === 3 ? 'StreamChangedError' : undefined)));
        const lengths = await Promise.all(ids.map(async (id) => (await store.readStream(id)).length));
        expect(lengths).toEqual(ids.map((_, i) => (i === 3 ? 1 : 3)));
      });

      it('tells a repeat of a stored append a duplicate, even once its guard is broken', async () => {
        const fact = stream('guard-dup');
        const id = stream('guard-dup');
        await store.append(fact, [typed('Opened')], 'no_stream');
        const batch = testEvents(2);
        const guards = [{ streamId: fact, revision: 0, unless: [] }];
        await store.append(id, batch, 'no_stream', { guards });
        await store.append(fact, [typed('Revoked')], 0);
        expect(await refusal(store.append(id, batch, 'no_stream', { guards }))).toBeInstanceOf(DuplicateEventError);
        expect(await refusal(store.append(id, batch, 'any', { guards }))).toBeInstanceOf(DuplicateEventError);
        expect(await refusal(store.append(id, testEvents(1), 'any', { guards }))).toBeInstanceOf(StreamChangedError);
        expect(await store.readStream(id)).toHaveLength(2);
      });

      it("never counts the append's own events as a change of a guard on its own stream", async () => {
        const id = stream('guard-own');
        await store.append(id, testEvents(2), 'no_stream');
        const own = { streamId: id, revision: 1, unless: [] };
        await store.append(id, testEvents(1, 'f'), 1, { guards: [own] });
        expect(await refusal(store.append(id, testEvents(1, 'g'), 'any', { guards: [{ ...own, revision: 2 }] }))).toBeUndefined();
        expect(await refusal(store.append(id, testEvents(1, 'h'), 'any', { guards: [own] }))).toBeInstanceOf(StreamChangedError);
        expect((await store.readStream(id)).map((e) => e.revision)).toEqual([0, 1, 2, 3]);
      });

      it('refuses a malformed guard before storing anything', async () => {
        const id = stream('guard-bad');
        const bad = [
          { streamId: '', revision: 0, unless: [] },
          { streamId: 'x', revision: -2, unless: [] },
          { streamId: 'x', revision: 1.5, unless: [] },
          { streamId: 'x', revision: 0, unless: 'Credited' },
          { streamId: 'x', revision: 0, unless: [7] },
        ] as never[];
        for (const guard of bad) expect(await refusal(store.append(id, testEvents(1), 'no_stream', { guards: [guard] }))).toBeInstanceOf(Error);
        expect(await store.readStream(id)).toEqual([]);
      });
    });

    describe('duplicate event ids', () => {
      it('refuses an append repeated at the same expected revision (a retry), appending nothing', async () => {
        const id = stream('dup-retry');
        const batch = testEvents(3);
        const first = await store.append(id, batch, 'no_stream');
        const retry = await store
          .append(
            id,
            batch.map((e) => ({ ...e })),
            'no_stream',
          )
          .catch((e: unknown) => e);
        expect(retry).toBeInstanceOf(DuplicateEventError);
        expect(await store.readStream(id)).toEqual(first.events);

        const next = testEvents(2, 'next');
        const second = await store.append(id, next, 2);
        expect(await store.append(id, next, 2).catch((e: unknown) => e)).toBeInstanceOf(DuplicateEventError);
        expect((await store.readStream(id)).map((e) => e.id)).toEqual([...first.events, ...second.events].map((e) => e.id));
      });

      it('refuses an id already in the stream at its current revision, or with any', async () => {
        const id = stream('dup-current');
        const original = testEvent({ original: true });
        await store.append(id, [original, testEvent()], 'no_stream');

        // What a process manager does when a cause is redelivered: decide again on the current state.
        const again = await store.append(id, [{ ...testEvent(), id: original.id }], 1).catch((e: unknown) => e);
        expect(again).toBeInstanceOf(DuplicateEventError);
        expect((again as DuplicateEventError).eventIds).toEqual([original.id]);
        const anyRevision = await store.append(id, [testEvent(), { ...original }], 'any').catch((e: unknown) => e);
        expect(anyRevision).toBeInstanceOf(DuplicateEventError);
        expect((anyRevision as DuplicateEventError).eventIds).toEqual([original.id]);
        expect(await store.readStream(id)).toHaveLength(2);
        // Nothing was claimed: the next append still expects revision 1.
        expect((await store.append(id, testEvents(1), 1)).nextExpectedRevision).toBe(2);
      });

      it('refuses a batch that repeats an id', async () => {
        const id = stream('dup-batch');
        const event = testEvent();
        const error = await store.append(id, [event, testEvent(), { ...event }], 'any').catch((e: unknown) => e);
        expect(error).toBeInstanceOf(DuplicateEventError);
        expect((error as DuplicateEventError).eventIds).toEqual([event.id]);
        expect(await store.readStream(id)).toEqual([]);
      });

      it('refuses an event id stored in another stream, appending nothing of the batch', async () => {
        if (subject.uniqueIdsAcrossStreams === false) {
          console.log(`EventStore contract (${name}): ids are unique per stream only; the cross-stream case does not apply`);
          return;
        }
        const first = stream('dup-a');
        const second = stream('dup-b');
        const original = testEvent({ original: true });
        const { position } = await store.append(first, [original], 'no_stream');
        await waitUntilReadable(store, position);
        const head = await store.headPosition();

        const error = await store.append(second, [testEvent(), { ...testEvent(), id: original.id }], 'no_stream').catch((e: unknown) => e);
        expect(error).toBeInstanceOf(DuplicateEventError);
        expect((error as DuplicateEventError).eventIds).toEqual([original.id]);
        expect(await store.readStream(second)).toEqual([]);
        expect(await store.headPosition()).toBe(head);
        // Nothing was claimed: the stream is still new.
        expect((await store.append(second, testEvents(1), 'no_stream')).nextExpectedRevision).toBe(0);
      });
    });

    describe('checkpoints', () => {
      it('loads what was saved, by name', async () => {
        const name = `contract-checkpoint-${randomUUID()}`;
        expect(await checkpoints.load(name)).toBeUndefined();
        await checkpoints.save(name, 42n);
        expect(await checkpoints.load(name)).toBe(42n);
        const beyond64Bits = 2n ** 70n + 7n;
        await checkpoints.save(name, beyond64Bits);
        expect(await checkpoints.load(name)).toBe(beyond64Bits);
        await checkpoints.save(name, 0n);
        expect(await checkpoints.load(name)).toBe(0n);
        expect(await checkpoints.load(`${name}-other`)).toBeUndefined();
      });

      it('forgets a deleted checkpoint, and saves it again after', async () => {
        const name = `contract-checkpoint-${randomUUID()}`;
        await checkpoints.delete(name); // missing: nothing to do
        await checkpoints.save(name, 7n);
        await checkpoints.delete(name);
        expect(await checkpoints.load(name)).toBeUndefined();
        await checkpoints.save(name, 9n);
        expect(await checkpoints.load(name)).toBe(9n);
      });
    });
  });
};
