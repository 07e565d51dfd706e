import { Client, type QueryResult, type QueryResultRow } from 'pg';
import type { LeaderLock } from './leader-election';

export interface PostgresLeaderLockOptions {
  connectionString: string;
  /** Names are scoped by the event store's schema: two deployments on one database never collide. */
  schema: string;
  applicationName?: string;
  /**
   * A heartbeat or a try for the lock that gets no answer in this long counts as a lost connection,
   * and so does a connection not made in this long (default 5 s).
   */
  queryTimeoutMs?: number;
  /**
   * PostgreSQL ends this session when it has sent nothing for this long (idle_session_timeout;
   * default twice queryTimeoutMs): the lease of a leader cut off or frozen. It must outlast the
   * heartbeat interval and then queryTimeoutMs, so that a leader cut off has deposed itself first.
   */
  idleSessionTimeoutMs?: number;
}

/**
 * Session-level advisory locks on one dedicated connection (not the pool: a pooled session would
 * carry the lock away to whoever borrows it next). The lock lives exactly as long as the session:
 * when this process dies or its connection drops, PostgreSQL releases it and a standby takes it.
 * Keys are two ints, hashtext(schema) and hashtext(name): a collision would only make two names
 * share one leader.
 *
 * A leader cut off from PostgreSQL without a reset (a partition, a frozen process or VM) deposes
 * itself when its heartbeat goes unanswered, but its session, and so the lock, would stay on the
 * server until TCP keep-alive gives up (2 h by default): the session's idle_session_timeout ends it
 * once the heartbeats stop, and a standby takes over within seconds.
 */
export class PostgresLeaderLock implements LeaderLock {
  private client?: Promise<Client>;
  private readonly held = new Set<string>();
  private readonly listeners: ((names: readonly string[] | 'all') => void)[] = [];
  private closed = false;

  constructor(private readonly options: PostgresLeaderLockOptions) {}

  async acquire(name: string): Promise<boolean> {
    const client = await this.connection();
    let result: { rows: { ok: boolean }[] };
    try {
      result = await this.query<{ ok: boolean }>(client, 'SELECT pg_try_advisory_lock(hashtext($1), hashtext($2)) AS ok', [this.options.schema, name]);
    } catch (error) {
      // Unanswered, the try may still have taken the lock in a session this process no longer
      // follows (a lock nobody would lead with, held until the session ends): end the session.
      if (this.live === client) this.drop();
      throw error;
    }
    const ok = result.rows[0]?.ok === true;
    if (ok) this.held.add(name);
    return ok;
  }

  /** Same session, same lock: the connection answering is the proof. */
  async confirm(name: string): Promise<boolean> {
    const client = this.live;
    if (!this.held.has(name) || !client) return false;
    try {
      await this.query(client, 'SELECT 1');
      return this.held.has(name);
    } catch {
      // No answer in time: the session may be gone; drop it so that the lock is surely released.
      this.drop();
      return false;
    }
  }

  async release(name: string): Promise<void> {
    const client = this.live;
    if (!this.held.delete(name) || !client) return;
    await this.query(client, 'SELECT pg_advisory_unlock(hashtext($1), hashtext($2))', [this.options.schema, name]);
  }

  onLost(listener: (names: readonly string[] | 'all') => void): void {
    this.listeners.push(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.held.clear();
    const client = await this.client?.catch(() => undefined);
    this.client = undefined;
    this.live = undefined;
    // Ending the session releases every lock it holds.
    client?.removeAllListeners('end');
    await client?.end().catch(() => undefined);
  }

  /** The /health details: whether the lock connection is up. */
  get connected(): boolean {
    return this.live !== undefined;
  }

  private connection(): Promise<Client> {
    if (this.closed) return Promise.reject(new Error('leader lock closed'));
    this.client ??= this.connect();
    return this.client;
  }

  private async connect(): Promise<Client> {
    const timeoutMs = this.options.queryTimeoutMs ?? 5000;
    const client = new Client({
      connectionString: this.options.connectionString,
      application_name: this.options.applicationName ?? 'zan-leader',
      query_timeout: timeoutMs,
      // A connection attempt that hangs would hold every campaign of this process up for ever.
      connectionTimeoutMillis: timeoutMs,
      keepAlive: true,
    });
    // A terminated backend emits 'error' then 'end'; either means every lock of this session is gone.
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await this.limitIdleSession(client, timeoutMs);
      // A new session waits for none of the old one's queries.
      this.previous = Promise.resolve();
      this.live = client;
      return client;
    } catch (error) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
      this.client = undefined;
      throw error;
    }
  }

  private async limitIdleSession(client: Client, queryTimeoutMs: number): Promise<void> {
    const idleMs = Math.round(this.options.idleSessionTimeoutMs ?? 2 * queryTimeoutMs);
    try {
      await client.query(`SET idle_session_timeout = ${idleMs}`);
    } catch (error) {
      // Before PostgreSQL 14 there is no such setting: the lock then lasts as long as TCP says the session does.
      if ((error as { code?: string }).code !== '42704') throw error;
    }
  }

  /** The connected client, set synchronously so that a loss is seen by the very next call. */
  private live?: Client;
  /** The last query sent on the session: each campaign's heartbeat waits for the one before. */
  private previous: Promise<unknown> = Promise.resolve();

  /**
   * One query on the session at a time: the campaigns of this process (relay, process managers,
   * webhooks) share it, and a pg client that is sent a query while it runs another only queues it, with
   * a warning at every start that pg 9 will refuse it. The deadline counts from the call, queue
   * included, as pg's own query_timeout did: a heartbeat behind an unanswered query must still fail
   * within queryTimeoutMs, so that a leader cut off deposes itself before its session is ended.
   */
  private query<R extends QueryResultRow>(client: Client, text: string, values?: unknown[]): Promise<QueryResult<R>> {
    const sent = this.previous.then(() => client.query<R>(text, values));
    this.previous = sent.catch(() => undefined);
    const timeoutMs = this.options.queryTimeoutMs ?? 5000;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`leader lock: no answer to ${text.split('(')[0]!.trim()} in ${timeoutMs} ms`)), timeoutMs);
    });
    return Promise.race([sent, late]).finally(() => clearTimeout(timer));
  }

  private drop(): void {
    const client = this.live;
    this.live = undefined;
    this.client = undefined;
    void client?.end().catch(() => undefined);
    this.reportLost();
  }

  private lost(client: Client): void {
    client.removeAllListeners('end');
    client.removeAllListeners('error');
    client.on('error', () => undefined);
    void client.end().catch(() => undefined);
    if (this.live === client) {
      this.live = undefined;
      this.client = undefined;
    }
    this.reportLost();
  }

  private reportLost(): void {
    if (this.closed || this.held.size === 0) return;
    this.held.clear();
    for (const listener of this.listeners) listener('all');
  }
}
