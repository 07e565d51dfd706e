import { randomUUID } from 'node:crypto';
import type { NewEvent } from '@zan/contracts';
import {
  createEmbeddedEventStore,
  createPostgresEventStore,
  DuplicateEventError,
  KeyClaimedError,
  StreamChangedError,
  WrongExpectedRevisionError,
  type KeyClaim,
  type SqlClient,
  type SqlEventStore,
} from '@zan/event-store';
import { isolation, testServers } from '../../../../test/support/isolation';
import { SqlIdempotencyStore } from './sql-idempotency-store';

// An idempotency key taken by the append that stores the command's effect (AppendOptions.claims),
// on both SQL stores, against SqlIdempotencyStore's own table: every way an append can go, the key's
// record is written exactly when the events are, and a key recorded already stores nothing.
const { databaseUrl } = testServers();
jest.setTimeout(60_000);

const event = (type = 'Noted', data: Record<string, unknown> = {}): NewEvent => ({
  id: randomUUID(),
  type,
  data,
  metadata: { correlationId: 'c', causationId: 'c', userId: 'u' },
  occurredAt: new Date().toISOString(),
});

let leases = Date.now() + 60_000;
const claimOf = (key: string, requestHash = `h-${key}`): KeyClaim => ({ scope: 'alice', key, requestHash, lockedUntil: (leases += 7), createdAt: new Date() });

interface Subject {
  store: SqlEventStore;
  records: SqlIdempotencyStore;
  sql: SqlClient;
  table: string;
  close(): Promise<void>;
}

const subjects: Array<[string, () => Promise<Subject>]> = [
  [
    'PostgreSQL',
    async () => {
      const { pgSchema } = isolation('claims');
      const opened = await createPostgresEventStore({ connectionString: databaseUrl, schema: pgSchema, poolSize: 6 });
      const records = new SqlIdempotencyStore(opened.sql, pgSchema);
      await records.migrate();
      return {
        store: opened.eventStore,
        records,
        sql: opened.sql,
        table: `"${pgSchema}".idempotency`,
        close: async () => {
          await opened.sql.query(`DROP SCHEMA "${pgSchema}" CASCADE`);
          await opened.eventStore.close();
        },
      };
    },
  ],
  [
    'embedded',
    async () => {
      const opened = await createEmbeddedEventStore({ dataDir: 'memory://', schema: 'zan' });
      const records = new SqlIdempotencyStore(opened.sql, 'zan');
      await records.migrate();
      return { store: opened.eventStore, records, sql: opened.sql, table: '"zan".idempotency', close: () => opened.eventStore.close() };
    },
  ],
];

describe.each(subjects)('key claims with the events (%s)', (_name, open) => {
  let subject: Subject;
  beforeEach(async () => (subject = await open()));
  afterEach(() => subject.close());

  const recordOf = async (key: string) =>
    (
      await subject.sql.query<{ state: string; request_hash: string; locked_until: Date | string }>(
        `SELECT state, request_hash, locked_until FROM ${subject.table} WHERE scope = 'alice' AND key = $1`,
        [key],
      )
    ).rows[0];
  const eventsOf = async (streamId: string) => (await subject.store.readStream(streamId)).length;

  it('writes a pending record under the claim lease with the events, which the store then completes and replays', async () => {
    const claim = claimOf('k1');
    await subject.store.append('s-1', [event()], 'no_stream', { claims: [claim] });
    const record = await recordOf('k1');
    expect(record).toMatchObject({ state: 'pending', request_hash: 'h-k1' });
    expect(new Date(record!.locked_until).getTime()).toBe(claim.lockedUntil);
    expect(await subject.records.complete('alice', 'k1', { status: 201, body: { ok: 1 } }, claim.lockedUntil)).toBe(true);
    await subject.records.flush();
    expect(await subject.records.begin('alice', 'k1', 'h-k1', 5_000, new Date())).toEqual({ outcome: 'replay', response: { status: 201, body: { ok: 1 } } });
  });

  it('stores nothing when the key has a record already, on every statement an append can take', async () => {
    await subject.store.append('s-2', [event()], 'no_stream');
    const started = await subject.records.begin('alice', 'taken', 'h-taken', 5_000, new Date());
    expect(started.outcome).toBe('started');
    // A lone append moving a stream, one creating one, one in a transaction of its own ('any'), and a group.
    await expect(subject.store.append('s-2', [event()], 0, { claims: [claimOf('taken')] })).rejects.toBeInstanceOf(KeyClaimedError);
    await expect(subject.store.append('s-new', [event()], 'no_stream', { claims: [claimOf('taken')] })).rejects.toBeInstanceOf(KeyClaimedError);
    await expect(subject.store.append('s-2', [event()], 'any', { claims: [claimOf('taken')] })).rejects.toBeInstanceOf(KeyClaimedError);
    const group = await Promise.allSettled([
      subject.store.append('g-1', [event()], 'no_stream', { claims: [claimOf('g1')] }),
      subject.store.append('g-2', [event()], 'no_stream', { claims: [claimOf('taken')] }),
      subject.store.append('g-3', [event()], 'no_stream', { claims: [claimOf('g3'), claimOf('taken')] }),
      subject.store.append('g-4', [event()], 'no_stream'),
    ]);
    expect(group.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect((group[1] as PromiseRejectedResult).reason).toBeInstanceOf(KeyClaimedError);
    expect((group[2] as PromiseRejectedResult).reason).toBeInstanceOf(KeyClaimedError);
    expect([
      await eventsOf('s-2'),
      await eventsOf('s-new'),
      await eventsOf('g-1'),
      await eventsOf('g-2'),
      await eventsOf('g-3'),
      await eventsOf('g-4'),
    ]).toEqual([1, 0, 1, 0, 0, 1]);
    expect(await recordOf('g1')).toMatchObject({ state: 'pending' });
    expect(await recordOf('taken')).toMatchObject({ state: 'pending', request_hash: 'h-taken' });
    if (started.outcome === 'started') expect(new Date((await recordOf('taken'))!.locked_until).getTime()).toBe(started.lease);
  });

  it('writes no record when the append is refused for its revision, a broken guard or a duplicate', async () => {
    await subject.store.append('s-3', [event()], 'no_stream');
    await subject.store.append('watched', [event()], 'no_stream');
    await subject.store.append('watched', [event('Revoked')], 0);
    const stored = event();
    await subject.store.append('s-4', [stored], 'no_stream');
    const refusals = await Promise.allSettled([
      subject.store.append('s-3', [event()], 5, { claims: [claimOf('wrong-revision')] }),
      subject.store.append('s-3', [event()], 'no_stream', { claims: [claimOf('no-stream')] }),
      subject.store.append('s-3', [event()], 0, { claims: [claimOf('broken')], guards: [{ streamId: 'watched', revision: 0, unless: [] }] }),
      subject.store.append('s-4', [stored], 0, { claims: [claimOf('duplicate')] }),
    ]);
    expect(refusals.map((outcome) => (outcome as PromiseRejectedResult).reason?.constructor)).toEqual([
      WrongExpectedRevisionError,
      WrongExpectedRevisionError,
      StreamChangedError,
      DuplicateEventError,
    ]);
    for (const key of ['wrong-revision', 'no-stream', 'broken', 'duplicate']) expect(await recordOf(key)).toBeUndefined();
    expect(await eventsOf('s-3')).toBe(1);
  });

  it('lets the same request claim its key again after an append of it was refused, and no other request', async () => {
    const claim = claimOf('again');
    // Written as a refused append of this request may leave it: pending under the claim's own lease.
    await subject.sql.query(
      `INSERT INTO ${subject.table} (scope, key, request_hash, state, locked_until, created_at) VALUES ('alice', 'again', $1, 'pending', $2, now())`,
      [claim.requestHash, new Date(claim.lockedUntil).toISOString()],
    );
    await expect(subject.store.append('s-5', [event()], 'no_stream', { claims: [{ ...claim, lockedUntil: claim.lockedUntil + 1 }] })).rejects.toBeInstanceOf(
      KeyClaimedError,
    );
    await expect(subject.store.append('s-5', [event()], 'no_stream', { claims: [{ ...claim, requestHash: 'another body' }] })).rejects.toBeInstanceOf(
      KeyClaimedError,
    );
    await subject.store.append('s-5', [event()], 'no_stream', { claims: [claim] });
    expect(await eventsOf('s-5')).toBe(1);
  });

  it('gives one of two concurrent appends claiming one key the key, and the other nothing', async () => {
    const outcomes = await Promise.allSettled([
      subject.store.append('t-1', [event()], 'no_stream', { claims: [claimOf('twin', 'same')] }),
      subject.store.append('t-2', [event()], 'no_stream', { claims: [claimOf('twin', 'same')] }),
      subject.store.append('t-3', [event()], 'any', { claims: [claimOf('twin', 'same')] }),
    ]);
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
    for (const outcome of outcomes) if (outcome.status === 'rejected') expect(outcome.reason).toBeInstanceOf(KeyClaimedError);
    expect((await eventsOf('t-1')) + (await eventsOf('t-2')) + (await eventsOf('t-3'))).toBe(1);
  });

  it("settles an answer given without a claim: inserted, or completing the request's own record, never another's", async () => {
    const now = new Date();
    const refused = { status: 422, body: { type: 'insufficient-funds' } };
    // No record: inserted as done, and replayed.
    expect(await subject.records.settle('alice', 'fresh', 'h-fresh', refused, Date.now() + 5_000, now)).toBe(true);
    expect(await subject.records.begin('alice', 'fresh', 'h-fresh', 5_000, now)).toEqual({ outcome: 'replay', response: refused });
    // The request's own pending record (a claim its refused append left): completed with the answer.
    const own = claimOf('own');
    await subject.store.append('s-7', [event()], 'no_stream', { claims: [own] });
    expect(await subject.records.settle('alice', 'own', own.requestHash, refused, own.lockedUntil + 1, now)).toBe(false);
    expect(await subject.records.settle('alice', 'own', 'another body', refused, own.lockedUntil, now)).toBe(false);
    expect(await recordOf('own')).toMatchObject({ state: 'pending' });
    expect(await subject.records.settle('alice', 'own', own.requestHash, refused, own.lockedUntil, now)).toBe(true);
    expect(await recordOf('own')).toMatchObject({ state: 'done' });
    // Another request's answer stored already: left as it is. Two of one key at once: one is stored.
    expect(await subject.records.settle('alice', 'fresh', 'h-fresh', { status: 201, body: {} }, Date.now() + 5_000, now)).toBe(false);
    const twice = await Promise.all([1, 2].map((n) => subject.records.settle('alice', 'both', 'h-both', { status: 201, body: { n } }, Date.now() + n, now)));
    expect(twice.filter(Boolean)).toHaveLength(1);
    expect(await subject.records.begin('alice', 'fresh', 'h-fresh', 5_000, now)).toEqual({ outcome: 'replay', response: refused });
  });

  it('refuses claims it cannot honour: on an append with no events, one key twice', async () => {
    await expect(subject.store.append('s-6', [], 'any', { claims: [claimOf('empty')] })).rejects.toBeInstanceOf(TypeError);
    const twice = claimOf('twice');
    await expect(
      subject.store.append('s-6', [event()], 'no_stream', { claims: [twice, { ...twice, lockedUntil: twice.lockedUntil + 1 }] }),
    ).rejects.toBeInstanceOf(TypeError);
    expect(await recordOf('empty')).toBeUndefined();
    expect(await recordOf('twice')).toBeUndefined();
  });
});
