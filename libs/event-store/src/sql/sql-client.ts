/**
 * A small driver seam so one set of SQL runs on node-postgres and on PGlite.
 * Parameters are positional ($1..$n); give text and numbers, cast in SQL (`$1::text::jsonb`) so both
 * drivers serialise them the same way. int8 columns come back as strings (pg) or numbers (PGlite):
 * select them `::text` when every digit matters.
 */
export interface SqlQueryable {
  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<{ rows: R[] }>;
}

/** A transaction in progress. Inside `transaction(fn)`, use only this: the client may be exclusive. */
export type SqlTx = SqlQueryable;

export interface SqlClient extends SqlQueryable {
  /** Runs fn in BEGIN..COMMIT; rolls back and rethrows when fn throws. */
  transaction<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T>;
  /**
   * LISTEN on `channel` (an exact channel name, quoted by the driver); onNotify runs on each NOTIFY.
   * Resolves to a function that stops listening.
   */
  listen?(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** Double-quotes an identifier (or a LISTEN channel) for SQL text. */
export const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** The SQLSTATE of a database error from either driver, if it is one. */
export const sqlState = (error: unknown): string | undefined => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
};

export const SQLSTATE = {
  uniqueViolation: '23505',
  checkViolation: '23514',
} as const;

/** Serialises async work: PGlite has one connection and runs one statement at a time. */
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

/** Injection token of the SqlClient behind the event store (undefined on stores without SQL). */
export const SQL_CLIENT = Symbol('SQL_CLIENT');
