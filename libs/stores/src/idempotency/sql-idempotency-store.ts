import { underMigrationLock, type SqlClient } from '@zan/event-store';
import { Coalescer } from '../coalescer';
import type { Begin, IdempotencyStore, Lease, StoredResponse } from './idempotency-store.port';

interface Row {
  request_hash: string;
  state: 'pending' | 'done';
  /** The answer as JSON text: replays are byte for byte the first answer (jsonb would reorder keys). */
  response: string | null;
  locked_until: Date | string;
  created_at: Date | string;
}

interface Claim {
  scope: string;
  key: string;
  request_hash: string;
  locked_until: string;
  created_at: string;
}

/** A refusal decided up front, stored as the key's finished record. */
interface Refusal {
  scope: string;
  key: string;
  request_hash: string;
  response: string;
  created_at: string;
}

/** An answer given without a pending record of its own (settle): `locked_until`, the lease its request's claims carried. */
interface Settlement extends Refusal {
  locked_until: string;
}

/** A claim or a completion, as one batch of writes carries them. */
type Write = ({ claim: true } & Claim) | ({ claim: false } & Completion);

interface Completion {
  scope: string;
  key: string;
  response: string;
  /** The lease the completer holds (ISO): a record taken over since is not the completer's to settle. */
  locked_until: string;
}

/**
 * `synchronous_commit` off for the statement's own transaction: it commits without waiting for its
 * WAL flush. Safe for the records below because PostgreSQL flushes WAL in order: the events a
 * command appends next commit synchronously, which makes its earlier `pending` record durable with
 * them; a `done` record lost in a crash leaves a `pending` one whose lease expires, and the retry
 * takes it over and finds the stored outcome (deterministic event ids). A refusal's record has no
 * events after it to carry it, so it is always committed synchronously.
 */
const RELAXED = `relaxed AS (SELECT set_config('synchronous_commit', 'off', true) AS done)`;

const EXPIRE_BATCH = 5_000;

/**
 * How long a completion of a command that stored events waits for claims to go with: under load it
 * rides in the next claims' statement instead of one of its own. Nothing waits on it: the answer is
 * sent before (see IdempotencyInterceptor), a retry meanwhile waits as for a twin in progress, and
 * a record never completed is taken over when its lease ends, its outcome found in the events.
 */
const COMPLETION_LINGER_MS = 10;

/**
 * Idempotency records in the event store's own database (PostgreSQL or the embedded one).
 * Concurrent requests' records are written together, one statement per batch (see Coalescer).
 */
export class SqlIdempotencyStore implements IdempotencyStore {
  private readonly table: string;
  /** Claims and (relaxed) completions go together: one statement, one round trip, one commit per batch. */
  private readonly writes: Coalescer<Write, boolean>;
  private readonly refusals: Coalescer<Completion, boolean>;
  private readonly upFront: Coalescer<Refusal, boolean>;
  private readonly settlements: Coalescer<Settlement, boolean>;
  /** Completions of commands that stored events, waiting to go with the next claims (COMPLETION_LINGER_MS). */
  private readonly lingering: { completion: Completion; resolve: (done: boolean) => void; reject: (error: unknown) => void }[] = [];
  private lingerTimer?: NodeJS.Timeout;
  /** Completions handed to `writes` and not yet answered: what flush() waits for too. */
  private readonly completing = new Set<Promise<unknown>>();

  constructor(
    private readonly sql: SqlClient,
    private readonly schema: string,
    private readonly options: { completionLingerMs?: number; claimsWithEvents?: boolean } = {},
  ) {
    this.table = `"${schema}".idempotency`;
    this.writes = new Coalescer((writes) => this.writeAll(writes));
    this.refusals = new Coalescer((completions) => this.completeAll(completions, { relaxed: false }));
    this.upFront = new Coalescer((refusals) => this.refuseAll(refusals));
    this.settlements = new Coalescer((settlements) => this.settleAll(settlements));
  }

  /** Set where the event store's appends write this table (the same schema): see IdempotencyStore.claimsWithEvents. */
  get claimsWithEvents(): boolean {
    return this.options.claimsWithEvents ?? false;
  }

  /**
   * Answers inserted as done records, or completing their request's own pending record (the same
   * lease and request hash); committed synchronously, as refusals are. A key twice in a batch: the
   * first is written, the second is told the key has a record (one statement may touch a row once).
   */
  private async settleAll(settlements: Settlement[]): Promise<boolean[]> {
    const first = settlements.filter((s, i) => settlements.findIndex((other) => other.scope === s.scope && other.key === s.key) === i);
    const { rows } = await this.sql.query<{ scope: string; key: string }>(
      `INSERT INTO ${this.table} AS t (scope, key, request_hash, state, response, locked_until, created_at)
       SELECT c.scope, c.key, c.request_hash, 'done', c.response, c.locked_until, c.created_at
       FROM jsonb_to_recordset($1::text::jsonb) AS c(scope text, key text, request_hash text, response text, locked_until timestamptz, created_at timestamptz)
       ON CONFLICT (scope, key) DO UPDATE SET state = 'done', response = excluded.response
         WHERE t.state = 'pending' AND t.locked_until = excluded.locked_until AND t.request_hash = excluded.request_hash
       RETURNING t.scope, t.key`,
      [JSON.stringify(first)],
    );
    const stored = new Set(rows.map((row) => `${row.scope}\n${row.key}`));
    return settlements.map((settlement) => first.includes(settlement) && stored.has(`${settlement.scope}\n${settlement.key}`));
  }

  /**
   * Refusals decided up front, each inserted as a done record unless its key exists; committed
   * synchronously, as a refusal's completion is (no event after it carries it to disk). Two of one
   * key in a batch: the first inserts, the second finds it.
   */
  private async refuseAll(refusals: Refusal[]): Promise<boolean[]> {
    const { rows } = await this.sql.query<{ scope: string; key: string }>(
      `INSERT INTO ${this.table} (scope, key, request_hash, state, response, locked_until, created_at)
       SELECT c.scope, c.key, c.request_hash, 'done', c.response, c.created_at, c.created_at
       FROM jsonb_to_recordset($1::text::jsonb) AS c(scope text, key text, request_hash text, response text, created_at timestamptz)
       ON CONFLICT (scope, key) DO NOTHING
       RETURNING scope, key`,
      [JSON.stringify(refusals)],
    );
    const inserted = new Set(rows.map((row) => `${row.scope}\n${row.key}`));
    return refusals.map((refusal) => inserted.delete(`${refusal.scope}\n${refusal.key}`));
  }

  /**
   * One batch of claims and completions in one statement. A claim inserts a pending record unless
   * its key exists (answer: whether it inserted it); a completion settles a pending record the
   * completer still holds the lease of (answer: whether it did). A claim and a completion of one key
   * never meet in a batch: a record is completed only after its claim has answered.
   */
  private async writeAll(writes: Write[]): Promise<boolean[]> {
    const { rows } = await this.sql.query<{ i: number }>(
      `WITH ${RELAXED},
       input AS (
         SELECT * FROM jsonb_to_recordset($1::text::jsonb)
           AS c(i int, claim boolean, scope text, key text, request_hash text, response text, locked_until timestamptz, created_at timestamptz)
       ),
       claimed AS (
         INSERT INTO ${this.table} (scope, key, request_hash, state, locked_until, created_at)
         SELECT c.scope, c.key, c.request_hash, 'pending', c.locked_until, c.created_at
         FROM input c CROSS JOIN relaxed WHERE c.claim
         ON CONFLICT (scope, key) DO NOTHING
         RETURNING scope, key
       ),
       completed AS (
         UPDATE ${this.table} t SET state = 'done', response = c.response
         FROM input c CROSS JOIN relaxed
         WHERE NOT c.claim AND t.scope = c.scope AND t.key = c.key AND t.state = 'pending' AND t.locked_until = c.locked_until
         RETURNING c.i
       )
       -- Two claims of one key in a batch: the first in the batch inserts, the second finds it (a twin in progress).
       SELECT min(c.i) AS i FROM claimed d JOIN input c ON c.claim AND c.scope = d.scope AND c.key = d.key GROUP BY c.scope, c.key
       UNION ALL SELECT i FROM completed`,
      [JSON.stringify(writes.map((write, i) => ({ i, ...write })))],
    );
    const done = new Set(rows.map((row) => Number(row.i)));
    return writes.map((_, i) => done.has(i));
  }

  private async completeAll(completions: Completion[], { relaxed }: { relaxed: boolean }): Promise<boolean[]> {
    const { rows } = await this.sql.query<{ scope: string; key: string }>(
      `WITH ${relaxed ? RELAXED : 'relaxed AS (SELECT true AS done)' /* refusals: a synchronous commit */}
       UPDATE ${this.table} t SET state = 'done', response = c.response
       FROM jsonb_to_recordset($1::text::jsonb) AS c(scope text, key text, response text, locked_until timestamptz) CROSS JOIN relaxed
       WHERE t.scope = c.scope AND t.key = c.key AND t.state = 'pending' AND t.locked_until = c.locked_until
       RETURNING t.scope, t.key`,
      [JSON.stringify(completions)],
    );
    const completed = new Set(rows.map((row) => `${row.scope}\n${row.key}`));
    return completions.map((completion) => completed.delete(`${completion.scope}\n${completion.key}`));
  }

  migrate(): Promise<void> {
    return underMigrationLock(this.sql, this.schema, async (tx) => {
      await tx.query(`
      CREATE TABLE IF NOT EXISTS ${this.table} (
        scope text NOT NULL,
        key text NOT NULL,
        request_hash text NOT NULL,
        state text NOT NULL,
        response text,
        locked_until timestamptz NOT NULL,
        created_at timestamptz NOT NULL,
        PRIMARY KEY (scope, key)
      )`);
      await tx.query(`CREATE INDEX IF NOT EXISTS idempotency_created_at ON ${this.table} (created_at)`);
    });
  }

  async begin(scope: string, key: string, requestHash: string, leaseMs: number, now: Date): Promise<Begin> {
    const lockedUntil = new Date(now.getTime() + leaseMs);
    const claim = { scope, key, request_hash: requestHash, locked_until: lockedUntil.toISOString(), created_at: now.toISOString() };
    if (await this.sendLingering([{ claim: true, ...claim }])[0]!)
      return { outcome: 'started', createdAt: now, takenOver: false, lease: lockedUntil.getTime() };

    const found = await this.sql.query<Row>(`SELECT request_hash, state, response, locked_until, created_at FROM ${this.table} WHERE scope = $1 AND key = $2`, [
      scope,
      key,
    ]);
    const row = found.rows[0];
    if (!row) return this.begin(scope, key, requestHash, leaseMs, now); // expired between the two statements
    if (row.request_hash !== requestHash) return { outcome: 'mismatch' };
    if (row.state === 'done' && row.response) return { outcome: 'replay', response: JSON.parse(row.response) as StoredResponse };
    if (new Date(row.locked_until).getTime() > now.getTime()) return { outcome: 'in-progress' };

    // The process that held the lease is gone: take the record over, exactly one taker wins.
    const taken = await this.sql.query(
      `UPDATE ${this.table} SET locked_until = $3 WHERE scope = $1 AND key = $2 AND state = 'pending' AND locked_until = $4 RETURNING key`,
      [scope, key, lockedUntil.toISOString(), new Date(row.locked_until).toISOString()],
    );
    if (taken.rows.length === 1) return { outcome: 'started', createdAt: new Date(row.created_at), takenOver: true, lease: lockedUntil.getTime() };
    return { outcome: 'in-progress' };
  }

  refuse(scope: string, key: string, requestHash: string, response: StoredResponse, now: Date): Promise<boolean> {
    return this.upFront.run({ scope, key, request_hash: requestHash, response: JSON.stringify(response), created_at: now.toISOString() });
  }

  settle(scope: string, key: string, requestHash: string, response: StoredResponse, lease: Lease, now: Date): Promise<boolean> {
    return this.settlements.run({
      scope,
      key,
      request_hash: requestHash,
      response: JSON.stringify(response),
      locked_until: new Date(lease).toISOString(),
      created_at: now.toISOString(),
    });
  }

  async complete(scope: string, key: string, response: StoredResponse, lease: Lease): Promise<boolean> {
    const completion = { scope, key, response: JSON.stringify(response), locked_until: new Date(lease).toISOString() };
    if (response.status >= 400) return this.refusals.run(completion);
    return new Promise<boolean>((resolve, reject) => {
      this.lingering.push({ completion, resolve, reject });
      this.lingerTimer ??= setTimeout(() => void this.flush(), this.options.completionLingerMs ?? COMPLETION_LINGER_MS).unref();
    });
  }

  /**
   * Writes the lingering completions now, and waits for those already on their way (on shutdown: no
   * record left pending by a clean stop).
   */
  async flush(): Promise<void> {
    clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
    void this.sendLingering([]);
    await Promise.allSettled([...this.completing]);
  }

  /**
   * `writes` queued together with the lingering completions, in one batch when one can start; each
   * completion's caller is answered when its batch is written.
   */
  private sendLingering(writes: Write[]): Promise<boolean>[] {
    const lingering = this.lingering.splice(0);
    const outputs = this.writes.runAll([...writes, ...lingering.map((call): Write => ({ claim: false, ...call.completion }))]);
    lingering.forEach((call, i) => {
      const answered = outputs[writes.length + i]!.then(call.resolve, call.reject);
      this.completing.add(answered);
      void answered.finally(() => this.completing.delete(answered));
    });
    return outputs;
  }

  async release(scope: string, key: string, lease: Lease): Promise<void> {
    await this.sql.query(`DELETE FROM ${this.table} WHERE scope = $1 AND key = $2 AND state = 'pending' AND locked_until = $3`, [
      scope,
      key,
      new Date(lease).toISOString(),
    ]);
  }

  async abandon(scope: string, key: string, lease: Lease): Promise<void> {
    await this.sql.query(`UPDATE ${this.table} SET locked_until = to_timestamp(0) WHERE scope = $1 AND key = $2 AND state = 'pending' AND locked_until = $3`, [
      scope,
      key,
      new Date(lease).toISOString(),
    ]);
  }

  /** In batches, so a sweep after a long pause never holds many row locks in one transaction. */
  async expire(olderThan: Date): Promise<number> {
    let deleted = 0;
    for (;;) {
      const result = await this.sql.query<{ key: string }>(
        `DELETE FROM ${this.table} WHERE (scope, key) IN (
           SELECT scope, key FROM ${this.table} WHERE created_at < $1 AND (state = 'done' OR locked_until < $1) LIMIT ${EXPIRE_BATCH}
         ) RETURNING key`,
        [olderThan.toISOString()],
      );
      deleted += result.rows.length;
      if (result.rows.length < EXPIRE_BATCH) return deleted;
    }
  }
}
