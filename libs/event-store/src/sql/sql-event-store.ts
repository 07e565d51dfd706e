import { currentVersion, type NewEvent, type StoredEvent } from '@zan/contracts';
import {
  type AppendOptions,
  type AppendResult,
  type EventStore,
  type ExpectedRevision,
  type ReadAllOptions,
  type ReadStreamOptions,
  type Subscription,
  type SubscriptionOptions,
} from '../event-store.port';
import { assertMaxCount, validateAppend, validateClaims, validateGuards } from '../append-validation';
import { startCatchUpSubscription } from '../subscription/catch-up-subscription';
import { Wakeup } from '../subscription/wakeup';
import { GroupCommit } from './group-commit';
import { assertSchemaName, DEFAULT_SCHEMA, eventTables, eventsChannel } from './schema';
import { SqlAppends, assertTransactionSize, type SqlAppend } from './sql-appends';
import type { SqlClient, SqlTx } from './sql-client';
import { SqlReads } from './sql-reads';

export interface SqlEventStoreOptions {
  /** Schema holding the tables (migrated beforehand, see migrate()). Default `zan`. */
  schema?: string;
  /** A caught-up subscription reads again after this long without a wake-up (default 250 ms). */
  pollIntervalMs?: number;
  /** close() also closes the SqlClient (the factories hand over theirs). */
  ownsClient?: boolean;
  /**
   * Concurrent appends with an exact expectation (a revision or no stream) commit together, one
   * statement per group (see group-commit.ts). Default on; off, every append is its own transaction.
   */
  groupCommit?: boolean;
}

/**
 * The EventStore over one SQL schema, on any SqlClient (PostgreSQL or PGlite).
 *
 * Global order is (transaction_id, tx_index) and readers only take rows of transactions older than
 * every transaction still in flight (`pg_snapshot_xmin`), so a slow commit is delivered late, never
 * skipped. See the README for the position scheme. Appends are in sql-appends.ts (one stream, one
 * transaction) and group-commit.ts (concurrent appends, one statement); reads in sql-reads.ts.
 */
export class SqlEventStore implements EventStore {
  private readonly schema: string;
  private readonly channel: string;
  private readonly appends: SqlAppends;
  private readonly reads: SqlReads;
  private readonly pollIntervalMs: number;
  private readonly wakeup = new Wakeup();
  private readonly subscriptions = new Set<Subscription>();
  private unlisten?: Promise<(() => Promise<void>) | undefined>;
  private closed = false;
  private readonly group?: GroupCommit;

  constructor(
    private readonly sql: SqlClient,
    private readonly options: SqlEventStoreOptions = {},
  ) {
    this.schema = assertSchemaName(options.schema ?? DEFAULT_SCHEMA);
    const tables = eventTables(this.schema);
    this.channel = eventsChannel(this.schema);
    this.appends = new SqlAppends(tables, this.channel);
    this.reads = new SqlReads(sql, tables);
    this.pollIntervalMs = options.pollIntervalMs ?? 250;
    if (options.groupCommit ?? true) {
      this.group = new GroupCommit({
        sql: this.sql,
        tables,
        channel: this.channel,
        alone: (append) => this.appendAlone(append),
        refusal: (append) => this.appends.refusal(this.sql, append),
        committed: () => this.wakeup.notify(),
      });
    }
  }

  async append(streamId: string, events: NewEvent[], expected: ExpectedRevision, options?: AppendOptions): Promise<AppendResult> {
    this.assertOpen();
    validateAppend(streamId, events, expected);
    const guards = validateGuards(options);
    const claims = validateClaims(options, true);
    assertTransactionSize(events.length);
    if (events.length === 0) {
      if (claims.length > 0) throw new TypeError('an append that stores no event claims no key');
      const result = await this.appends.checkExpectation(this.sql, streamId, expected);
      await this.appends.checkGuards(this.sql, guards);
      return result;
    }
    if (this.group && (typeof expected === 'number' || expected === 'no_stream')) {
      const versioned = events.map((event) => ({ ...event, version: event.version ?? currentVersion(event.type) }));
      return this.group.append({ streamId, events: versioned, expected, guards, claims });
    }
    return this.appendAlone({ streamId, events, expected, guards, claims });
  }

  private async appendAlone(append: SqlAppend): Promise<AppendResult> {
    const result = await this.sql.transaction((tx) => this.appends.inTransaction(tx, append));
    this.wakeup.notify();
    return result;
  }

  /**
   * Appends inside a transaction the caller owns, so other rows (an idempotency record, a second
   * stream) commit or roll back with the events. Readers see them once the caller commits.
   */
  appendWithin(tx: SqlTx, streamId: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    this.assertOpen();
    validateAppend(streamId, events, expected);
    assertTransactionSize(events.length);
    if (events.length === 0) return this.appends.checkExpectation(tx, streamId, expected);
    return this.appends.inTransaction(tx, { streamId, events, expected });
  }

  readStream(streamId: string, options: ReadStreamOptions = {}): Promise<StoredEvent[]> {
    return this.reads.readStream(streamId, options);
  }

  async readAll(options: ReadAllOptions = {}): Promise<StoredEvent[]> {
    assertMaxCount(options.maxCount);
    return this.reads.readAfter(options.after, options.maxCount, options.withoutMetadata);
  }

  subscribeToAll(options: SubscriptionOptions): Subscription {
    this.assertOpen();
    this.startListening();
    const subscription = startCatchUpSubscription(
      { read: (after, maxCount) => this.reads.readAfter(after, maxCount), wakeup: this.wakeup, pollIntervalMs: this.pollIntervalMs },
      options,
    );
    this.subscriptions.add(subscription);
    void subscription.done.then(() => this.subscriptions.delete(subscription));
    return subscription;
  }

  headPosition(): Promise<bigint | undefined> {
    return this.reads.headPosition();
  }

  latestPosition(): Promise<bigint | undefined> {
    return this.reads.latestPosition();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((subscription) => subscription.stop()));
    const unlisten = await this.unlisten;
    await unlisten?.().catch(() => undefined);
    if (this.options.ownsClient) await this.sql.close();
  }

  private startListening(): void {
    if (this.unlisten || !this.sql.listen) return;
    // Without LISTEN (or if it fails) subscriptions still make progress by polling.
    this.unlisten = this.sql.listen(this.channel, () => this.wakeup.notify()).catch(() => undefined);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('event store is closed');
  }
}
