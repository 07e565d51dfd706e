import { createHash } from 'node:crypto';
import { Client, DatabaseError, Pool, type PoolClient } from 'pg';
import { quoteIdent, type SqlClient, type SqlTx } from '../sql/sql-client';

export interface PgSqlClientOptions {
  connectionString: string;
  /** Pool size (default 10). LISTEN uses one more, dedicated connection. */
  poolSize?: number;
  applicationName?: string;
  /**
   * Longest a statement may go unanswered (default 15 s). Past it the statement fails with ETIMEDOUT
   * and its connection is dropped: on a connection gone silent (a partition, a lost NAT entry) a
   * statement would otherwise wait for the operating system to give up on the socket, minutes later.
   * Its outcome is then unknown, as after any lost connection: callers retry idempotently.
   */
  queryTimeoutMs?: number;
  /** Longest wait for a pooled connection, opening one included (default 10 s). */
  connectTimeoutMs?: number;
  /** How often the LISTEN connection must answer a `SELECT 1` (default 15 s): a silent one would miss NOTIFY for ever. */
  listenHeartbeatMs?: number;
}

export interface PgSqlClientStats {
  /** Connections the pool has opened since start: flat under load when nothing is thrown away. */
  connectionsOpened: number;
  total: number;
  idle: number;
  waiting: number;
}

const RECONNECT_DELAY_MS = 1000;
const DEFAULT_QUERY_TIMEOUT_MS = 15_000;
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_LISTEN_HEARTBEAT_MS = 15_000;

/** node-postgres' message when `query_timeout` passes. */
const PG_QUERY_TIMEOUT = 'Query read timeout';

/** A statement unanswered within its deadline, as a network error: the connection is dropped, the caller may retry. */
class QueryTimeoutError extends Error {
  override readonly name = 'QueryTimeoutError';
  readonly code = 'ETIMEDOUT';
  constructor(timeoutMs: number) {
    super(`PostgreSQL did not answer within ${timeoutMs} ms`);
  }
}

/**
 * A connection is only thrown away when it may be broken. node-postgres' `pool.query()` destroys it on
 * any error, so a version conflict would cost a reconnect (FIELD-NOTES); a server-reported error such
 * as a unique violation leaves the session usable.
 */
const mayBeBroken = (error: unknown): boolean => {
  if (!(error instanceof DatabaseError)) return true;
  const code = error.code ?? '';
  return code.startsWith('08') || code.startsWith('57P') || code.startsWith('XX');
};

/**
 * The pool only listens for a client's errors once it has connected. A backend terminated in
 * between (a failover, pg_terminate_backend) then emits an 'error' nobody hears, which crashes the
 * process. Every client listens from birth; the failure still reaches the pending query or connect.
 */
class GuardedClient extends Client {
  constructor(config?: ConstructorParameters<typeof Client>[0]) {
    super(config);
    this.on('error', () => undefined);
  }
}

const asError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)));

/** At most this many distinct statements are prepared by name; past it, statements go unnamed. */
const MAX_PREPARED = 500;

/**
 * Statements with parameters run as named prepared statements, one name per SQL text: each pooled
 * connection parses and plans a statement once, and afterwards only its parameters cross the wire.
 * The group commit's statement is a few kilobytes of CTEs: sending and planning it for every group
 * was a fifth of the api's CPU under load. Statements without parameters (DDL, BEGIN) go as they are.
 */
class StatementNames {
  private readonly names = new Map<string, string>();

  config(text: string, params: readonly unknown[] | undefined): string | { name?: string; text: string; values: unknown[] } {
    if (!params || params.length === 0) return text;
    let name = this.names.get(text);
    if (name === undefined) {
      if (this.names.size >= MAX_PREPARED) return { text, values: [...params] };
      name = `zan_${createHash('sha1').update(text).digest('hex')}`;
      this.names.set(text, name);
    }
    return { name, text, values: [...params] };
  }
}

/** node-postgres behind SqlClient: a pool for queries and transactions, one client for LISTEN. */
export class PgSqlClient implements SqlClient {
  private readonly pool: Pool;
  private connectionsOpened = 0;
  private closed = false;
  private readonly listeners = new Map<string, Set<(payload: string) => void>>();
  private listenClient?: Promise<Client>;
  private readonly statements = new StatementNames();
  private reconnectTimer?: NodeJS.Timeout;

  constructor(private readonly options: PgSqlClientOptions) {
    this.pool = new Pool({
      connectionString: options.connectionString,
      max: options.poolSize ?? 10,
      application_name: options.applicationName ?? 'zan',
      Client: GuardedClient,
      ...this.deadlines(),
    });
    this.pool.on('connect', () => {
      this.connectionsOpened += 1;
    });
    // An idle client that dies is removed by the pool; without a listener the process would crash.
    this.pool.on('error', () => undefined);
  }

  stats(): PgSqlClientStats {
    return {
      connectionsOpened: this.connectionsOpened,
      total: this.pool.totalCount,
      idle: this.pool.idleCount,
      waiting: this.pool.waitingCount,
    };
  }

  async query<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<{ rows: R[] }> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      const result = await this.run(client, text, params);
      return { rows: result.rows as R[] };
    } catch (error) {
      if (mayBeBroken(error)) broken = asError(error);
      throw error;
    } finally {
      client.release(broken);
    }
  }

  async transaction<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      // A transaction left waiting for its next statement longer than a statement may take is ended
      // by the server: cut off before COMMIT (a partition, a frozen process), it would otherwise stay
      // open until TCP keep-alive gives up, hours later, holding its row locks and its transaction id,
      // under which every reader of the log by the xid8 rule (the relay, the credits) stops. Set per
      // transaction, in BEGIN's round trip: a pooler in transaction mode keeps no session setting.
      await this.run(client, this.begin);
      const result = await fn(this.txOf(client));
      // PostgreSQL answers COMMIT of a failed transaction with ROLLBACK, not an error.
      const commit = await this.run(client, 'COMMIT');
      if (commit.command === 'ROLLBACK') throw new Error('transaction rolled back: a statement in it had failed');
      return result;
    } catch (error) {
      // A silent connection is dropped, not asked to ROLLBACK (it would not answer that either): the
      // server rolls back what a closed session left open.
      broken = error instanceof QueryTimeoutError ? error : await this.rollback(client);
      throw error;
    } finally {
      client.release(broken);
    }
  }

  async listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>> {
    let callbacks = this.listeners.get(channel);
    const first = !callbacks;
    if (!callbacks) {
      callbacks = new Set();
      this.listeners.set(channel, callbacks);
    }
    callbacks.add(onNotify);
    if (first) {
      try {
        const client = await this.listenConnection();
        await client.query(`LISTEN ${quoteIdent(channel)}`);
      } catch (error) {
        callbacks.delete(onNotify);
        if (callbacks.size === 0) this.listeners.delete(channel);
        throw error;
      }
    }
    return async () => {
      const set = this.listeners.get(channel);
      if (!set?.delete(onNotify) || set.size > 0) return;
      this.listeners.delete(channel);
      const client = await this.listenClient?.catch(() => undefined);
      await client?.query(`UNLISTEN ${quoteIdent(channel)}`).catch(() => undefined);
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    this.listeners.clear();
    const listenClient = await this.listenClient?.catch(() => undefined);
    await listenClient?.end().catch(() => undefined);
    await this.pool.end();
  }

  private txOf(client: PoolClient): SqlTx {
    return {
      query: async <R>(text: string, params?: readonly unknown[]) => {
        const result = await this.run(client, text, params);
        return { rows: result.rows as R[] };
      },
    };
  }

  private async run(client: PoolClient | Client, text: string, params?: readonly unknown[]) {
    const config = this.statements.config(text, params);
    try {
      return typeof config === 'string' ? await client.query(config) : await client.query(config);
    } catch (error) {
      if (error instanceof Error && error.message === PG_QUERY_TIMEOUT) throw new QueryTimeoutError(this.queryTimeoutMs());
      throw error;
    }
  }

  private get begin(): string {
    return `BEGIN; SET LOCAL idle_in_transaction_session_timeout = ${Math.round(this.queryTimeoutMs())}`;
  }

  private queryTimeoutMs(): number {
    return this.options.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS;
  }

  /** What every connection of this client is opened with: deadlines, and TCP keepalive for peers that vanish. */
  private deadlines() {
    return {
      query_timeout: this.queryTimeoutMs(),
      connectionTimeoutMillis: this.options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      keepAlive: true,
    };
  }

  /** Returns the error to release the client with: only when ROLLBACK itself failed. */
  private async rollback(client: PoolClient): Promise<Error | undefined> {
    try {
      await this.run(client, 'ROLLBACK');
      return undefined;
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  }

  private listenConnection(): Promise<Client> {
    if (this.closed) return Promise.reject(new Error('PgSqlClient is closed'));
    this.listenClient ??= this.connectListener();
    return this.listenClient;
  }

  private async connectListener(): Promise<Client> {
    const client = new Client({
      connectionString: this.options.connectionString,
      application_name: `${this.options.applicationName ?? 'zan'}-listen`,
      ...this.deadlines(),
    });
    client.on('notification', (message) => {
      for (const callback of this.listeners.get(message.channel) ?? []) callback(message.payload ?? '');
    });
    const lost = () => this.listenerLost(client);
    client.on('error', lost);
    client.on('end', lost);
    try {
      await client.connect();
      for (const channel of this.listeners.keys()) await client.query(`LISTEN ${quoteIdent(channel)}`);
      this.heartbeat(client);
      return client;
    } catch (error) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
      this.listenClient = undefined;
      throw error;
    }
  }

  /** Asks the LISTEN connection for a row now and then; one unanswered in time counts as the connection lost. */
  private heartbeat(client: Client): void {
    const timer = setInterval(() => {
      if (this.closed) return clearInterval(timer);
      this.run(client, 'SELECT 1').catch((error: unknown) => {
        clearInterval(timer);
        client.emit('error', asError(error));
      });
    }, this.options.listenHeartbeatMs ?? DEFAULT_LISTEN_HEARTBEAT_MS);
    timer.unref();
    client.once('end', () => clearInterval(timer));
  }

  /** Reconnects while someone listens; callers are woken since notifications may have been missed. */
  private listenerLost(client: Client): void {
    client.removeAllListeners('end');
    client.removeAllListeners('error');
    client.on('error', () => undefined);
    if (this.closed) return;
    this.listenClient = undefined;
    client.end().catch(() => undefined);
    if (this.listeners.size === 0 || this.reconnectTimer) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.closed || this.listeners.size === 0) return;
      this.listenConnection().then(
        () => {
          for (const set of this.listeners.values()) for (const callback of set) callback('');
        },
        () => this.listenerLost(client),
      );
    }, RECONNECT_DELAY_MS);
  }
}
