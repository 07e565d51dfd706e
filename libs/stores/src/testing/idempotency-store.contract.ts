import { randomUUID } from 'node:crypto';
import type { Begin, IdempotencyStore, Lease, StoredResponse } from '../idempotency/idempotency-store.port';

export interface IdempotencyStoreSubject {
  store: IdempotencyStore;
  dispose(): Promise<void>;
}

const LEASE_MS = 30_000;
const at = (iso: string) => new Date(iso);
const leaseOf = (begun: Begin): Lease => {
  if (begun.outcome !== 'started') throw new Error(`expected a started record, got ${begun.outcome}`);
  return begun.lease;
};
const started = (createdAt: Date, takenOver = false) => ({ outcome: 'started', createdAt, takenOver, lease: expect.any(Number) });

/**
 * What the idempotency interceptor relies on, for every store (SQL beside PostgreSQL or the embedded
 * store; Redis beside EventStoreDB). `factory` runs before each test: every test starts empty.
 */
export const describeIdempotencyStoreContract = (name: string, factory: () => Promise<IdempotencyStoreSubject>): void => {
  describe(`IdempotencyStore contract: ${name}`, () => {
    let subject: IdempotencyStoreSubject;
    let store: IdempotencyStore;
    const user = () => `user-${randomUUID()}`;

    beforeEach(async () => {
      subject = await factory();
      store = subject.store;
    });

    afterEach(async () => {
      await subject?.dispose();
    });

    it('starts a new key once; the same request again is in progress while the lease holds', async () => {
      const scope = user();
      const now = at('2026-03-01T10:00:00.000Z');
      expect(await store.begin(scope, 'k1', 'h1', LEASE_MS, now)).toEqual(started(now));
      expect(await store.begin(scope, 'k1', 'h1', LEASE_MS, at('2026-03-01T10:00:29.999Z'))).toEqual({ outcome: 'in-progress' });
      expect(await store.begin(scope, 'k1', 'h2', LEASE_MS, now)).toEqual({ outcome: 'mismatch' });
    });

    it('replays the first answer byte for byte, refusals too, and refuses the key for another request', async () => {
      const scope = user();
      const now = at('2026-03-01T10:00:00.000Z');
      // Keys out of order, unicode, nesting: a replay must serialise exactly as the first answer did.
      const body = { position: '74800000', balance: 50_000, fundingId: 'f-1', note: '赞 🧧 "quoted"', nested: { z: 1, a: [2, { y: null }] } };
      const fund_1 = await store.begin(scope, 'fund-1', 'h', LEASE_MS, now);
      await store.complete(scope, 'fund-1', { status: 201, body }, leaseOf(fund_1));
      const replay = await store.begin(scope, 'fund-1', 'h', LEASE_MS, at('2026-03-02T10:00:00.000Z'));
      expect(replay.outcome).toBe('replay');
      const response = (replay as { response: StoredResponse }).response;
      expect(JSON.stringify(response)).toBe(JSON.stringify({ status: 201, body }));
      expect(await store.begin(scope, 'fund-1', 'other', LEASE_MS, now)).toEqual({ outcome: 'mismatch' });

      const refusal = { status: 422, body: { type: 'https://zan.dev/problems/insufficient-funds', title: 'Insufficient funds', status: 422 } };
      const tip_1 = await store.begin(scope, 'tip-1', 'h', LEASE_MS, now);
      await store.complete(scope, 'tip-1', refusal, leaseOf(tip_1));
      expect(await store.begin(scope, 'tip-1', 'h', LEASE_MS, now)).toEqual({ outcome: 'replay', response: refusal });
    });

    it('stores a refusal decided up front as the answer of a new key only; a key with a record keeps it', async () => {
      const scope = user();
      const now = at('2026-03-01T10:00:00.000Z');
      const gone = { status: 410, body: { type: 'https://zan.dev/problems/red-packet-gone', title: 'Red packet is gone', status: 410 } };
      // Many at once (written together), a twin among them: the first of the two stores it.
      const refused = await Promise.all(['r-1', 'r-2', 'r-3', 'r-1'].map((key) => store.refuse(scope, key, `h-${key}`, gone, now)));
      expect(refused).toEqual([true, true, true, false]);
      expect(await store.begin(scope, 'r-1', 'h-r-1', LEASE_MS, at('2026-03-01T11:00:00.000Z'))).toEqual({ outcome: 'replay', response: gone });
      expect(await store.begin(scope, 'r-2', 'another request', LEASE_MS, now)).toEqual({ outcome: 'mismatch' });

      // A key whose command is running, or answered, is not the refusal's to settle.
      const running = await store.begin(scope, 'running', 'h', LEASE_MS, now);
      expect(await store.refuse(scope, 'running', 'h', gone, now)).toBe(false);
      await store.complete(scope, 'running', { status: 201, body: { won: 1 } }, leaseOf(running));
      expect(await store.refuse(scope, 'running', 'h', gone, now)).toBe(false);
      expect(await store.begin(scope, 'running', 'h', LEASE_MS, now)).toEqual({ outcome: 'replay', response: { status: 201, body: { won: 1 } } });
      // Expired like any finished record.
      expect(await store.expire(at('2026-03-03T10:00:00.000Z'))).toBe(4);
    });

    it('lets exactly one of many identical first requests start', async () => {
      const scope = user();
      const now = at('2026-03-01T10:00:00.000Z');
      const outcomes = await Promise.all(Array.from({ length: 20 }, () => store.begin(scope, 'twin', 'h', LEASE_MS, now)));
      expect(outcomes.filter((o) => o.outcome === 'started')).toHaveLength(1);
      expect(outcomes.filter((o) => o.outcome === 'in-progress')).toHaveLength(19);
    });

    it('begins and completes many keys at once, each on its own (concurrent requests are written together)', async () => {
      const scope = user();
      const now = at('2026-03-01T10:00:00.000Z');
      const keys = Array.from({ length: 50 }, (_, i) => `many-${i}`);
      const begun = await Promise.all([...keys, 'many-7'].map((key) => store.begin(scope, key, `h-${key}`, LEASE_MS, now)));
      expect(begun.filter((b) => b.outcome === 'started')).toHaveLength(50);
      expect(begun.filter((b) => b.outcome === 'in-progress')).toHaveLength(1);
      const completed = await Promise.all(
        keys.map((key, i) => store.complete(scope, key, { status: i % 10 === 0 ? 422 : 201, body: { key } }, leaseOf(begun[i]!))),
      );
      expect(completed).toEqual(keys.map(() => true));
      const replays = await Promise.all(keys.map((key) => store.begin(scope, key, `h-${key}`, LEASE_MS, now)));
      expect(replays).toEqual(keys.map((key, i) => ({ outcome: 'replay', response: { status: i % 10 === 0 ? 422 : 201, body: { key } } })));
    });

    it('keeps new keys and completions of earlier ones apart when they are written at the same time', async () => {
      const scope = user();
      const now = at('2026-03-01T10:00:00.000Z');
      const first = Array.from({ length: 30 }, (_, i) => `first-${i}`);
      const begun = await Promise.all(first.map((key) => store.begin(scope, key, 'h', LEASE_MS, now)));
      // Completions of the first keys (one with a lease that is not its own) race claims of new keys,
      // twins of a new key and claims of keys being completed.
      const stale = begun[3]!.outcome === 'started' ? begun[3]!.lease - 1 : 0;
      const [completed, claimed, again] = await Promise.all([
        Promise.all(first.map((key, i) => store.complete(scope, key, { status: 201, body: { key } }, i === 3 ? stale : leaseOf(begun[i]!)))),
        Promise.all([...Array.from({ length: 30 }, (_, i) => `second-${i}`), 'second-0'].map((key) => store.begin(scope, key, 'h', LEASE_MS, now))),
        Promise.all(first.map((key) => store.begin(scope, key, 'h', LEASE_MS, now))),
      ]);
      expect(completed).toEqual(first.map((_, i) => i !== 3));
      expect(claimed.filter((b) => b.outcome === 'started')).toHaveLength(30);
      expect(claimed.filter((b) => b.outcome === 'in-progress')).toHaveLength(1);
      // A key being completed was never started again: in progress or replayed, depending on the race.
      expect(again.every((b) => b.outcome === 'in-progress' || b.outcome === 'replay')).toBe(true);
      const settled = await Promise.all(first.map((key) => store.begin(scope, key, 'h', LEASE_MS, now)));
      expect(settled.map((b) => b.outcome)).toEqual(first.map((_, i) => (i === 3 ? 'in-progress' : 'replay')));
    });

    it('hands an expired lease to exactly one taker, keeping when the record was begun', async () => {
      const scope = user();
      const begun = at('2026-03-01T10:00:00.000Z');
      await store.begin(scope, 'crashed', 'h', 1000, begun);
      const later = at('2026-03-01T10:00:05.000Z');
      const outcomes = await Promise.all(Array.from({ length: 10 }, () => store.begin(scope, 'crashed', 'h', LEASE_MS, later)));
      expect(outcomes.filter((o) => o.outcome === 'started')).toEqual([started(begun, true)]);
      expect(outcomes.filter((o) => o.outcome === 'in-progress')).toHaveLength(9);
      // The taker holds a new lease.
      expect(await store.begin(scope, 'crashed', 'h', LEASE_MS, at('2026-03-01T10:00:34.000Z'))).toEqual({ outcome: 'in-progress' });
    });

    it('frees a pending key on release, never a completed one', async () => {
      const scope = user();
      const now = at('2026-03-01T10:00:00.000Z');
      const badInput = await store.begin(scope, 'bad-input', 'h1', LEASE_MS, now);
      await store.release(scope, 'bad-input', leaseOf(badInput));
      expect(await store.begin(scope, 'bad-input', 'h2', LEASE_MS, now)).toEqual(started(now));

      const done = await store.begin(scope, 'done', 'h', LEASE_MS, now);
      await store.complete(scope, 'done', { status: 201, body: { ok: true } }, leaseOf(done));
      await store.release(scope, 'done', leaseOf(done));
      expect(await store.begin(scope, 'done', 'h', LEASE_MS, now)).toEqual({ outcome: 'replay', response: { status: 201, body: { ok: true } } });
      // Completing a key nobody began stores nothing.
      expect(await store.complete(scope, 'never-begun', { status: 201, body: {} }, now.getTime() + LEASE_MS)).toBe(false);
      expect((await store.begin(scope, 'never-begun', 'h', LEASE_MS, now)).outcome).toBe('started');
    });

    it('settles a record only for the holder of its lease: a request taken over can no longer complete, release or abandon it', async () => {
      const scope = user();
      const first = await store.begin(scope, 'slow', 'h', 1000, at('2026-03-01T10:00:00.000Z'));
      const retry = await store.begin(scope, 'slow', 'h', LEASE_MS, at('2026-03-01T10:00:05.000Z'));
      expect(retry).toEqual(started(at('2026-03-01T10:00:00.000Z'), true));
      expect(await store.complete(scope, 'slow', { status: 422, body: { refused: true } }, leaseOf(first))).toBe(false);
      await store.release(scope, 'slow', leaseOf(first));
      await store.abandon(scope, 'slow', leaseOf(first));
      expect(await store.begin(scope, 'slow', 'h', LEASE_MS, at('2026-03-01T10:00:06.000Z'))).toEqual({ outcome: 'in-progress' });
      expect(await store.complete(scope, 'slow', { status: 201, body: { ok: 1 } }, leaseOf(retry))).toBe(true);
      expect(await store.begin(scope, 'slow', 'h', LEASE_MS, at('2026-03-01T10:00:07.000Z'))).toEqual({
        outcome: 'replay',
        response: { status: 201, body: { ok: 1 } },
      });
    });

    it('hands an abandoned record (its command failed, maybe after its effect) to the next request at once, as a takeover', async () => {
      const scope = user();
      const now = at('2026-03-01T10:00:00.000Z');
      const first = await store.begin(scope, 'lost-answer', 'h', LEASE_MS, now);
      await store.abandon(scope, 'lost-answer', leaseOf(first));
      const retry = await store.begin(scope, 'lost-answer', 'h', LEASE_MS, at('2026-03-01T10:00:00.001Z'));
      expect(retry).toEqual(started(now, true));
      expect(await store.begin(scope, 'lost-answer', 'other', LEASE_MS, at('2026-03-01T10:00:00.002Z'))).toEqual({ outcome: 'mismatch' });
    });

    it('keeps users and keys apart, whatever characters they hold', async () => {
      const now = at('2026-03-01T10:00:00.000Z');
      const scope = user();
      expect((await store.begin(`${scope}:a`, 'b', 'h1', LEASE_MS, now)).outcome).toBe('started');
      expect((await store.begin(scope, 'a:b', 'h2', LEASE_MS, now)).outcome).toBe('started');
      expect((await store.begin(`${scope}:a:b`, '', 'h3', LEASE_MS, now)).outcome).toBe('started');
      expect((await store.begin(user(), 'a:b', 'h4', LEASE_MS, now)).outcome).toBe('started');
      expect((await store.begin(scope, 'a:b', 'h2', LEASE_MS, now)).outcome).toBe('in-progress');
    });

    it('expires completed records and abandoned pending ones begun before the cutoff, keeping the rest', async () => {
      const scope = user();
      const old = at('2026-01-01T00:00:00.000Z');
      const cutoff = at('2026-01-03T00:00:00.000Z');
      const old_done = await store.begin(scope, 'old-done', 'h', LEASE_MS, old);
      await store.complete(scope, 'old-done', { status: 201, body: {} }, leaseOf(old_done));
      await store.begin(scope, 'old-abandoned', 'h', LEASE_MS, old);
      await store.begin(scope, 'old-still-held', 'h', 3 * 24 * 3600_000, old);
      const recent = await store.begin(scope, 'recent', 'h', LEASE_MS, at('2026-01-04T00:00:00.000Z'));
      await store.complete(scope, 'recent', { status: 201, body: {} }, leaseOf(recent));

      expect(await store.expire(cutoff)).toBe(2);
      const now = at('2026-01-04T00:00:01.000Z');
      expect((await store.begin(scope, 'old-done', 'other', LEASE_MS, now)).outcome).toBe('started');
      expect((await store.begin(scope, 'old-abandoned', 'other', LEASE_MS, now)).outcome).toBe('started');
      expect((await store.begin(scope, 'old-still-held', 'other', LEASE_MS, now)).outcome).toBe('mismatch');
      expect((await store.begin(scope, 'recent', 'h', LEASE_MS, now)).outcome).toBe('replay');
    });
  });
};
