/**
 * Exit codes scripts can rely on (README, "The CLI"). Anything else is a bug.
 */
export const EXIT = {
  ok: 0,
  /** The command ran and found something: audit differences, a wallet that does not exist. */
  findings: 1,
  /** Bad flag, bad argument or bad setting: nothing was done. */
  usage: 2,
  /** PostgreSQL, Redis or EventStoreDB could not be reached (or was lost on the way). */
  unreachable: 3,
  /** Any other failure (the message says what). */
  failed: 4,
  /** Stopped by Ctrl-C (SIGINT); resumable work was checkpointed first. */
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error the CLI reports as one line and an exit code, never with a stack trace. */
export class CliError extends Error {
  override readonly name: string = 'CliError';
  constructor(
    message: string,
    readonly exitCode: ExitCode = EXIT.failed,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class UsageError extends CliError {
  override readonly name = 'UsageError';
  constructor(message: string) {
    super(message, EXIT.usage);
  }
}

export class BackendUnreachable extends CliError {
  override readonly name = 'BackendUnreachable';
  constructor(message: string, cause?: unknown) {
    super(message, EXIT.unreachable, { cause });
  }
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'ECONNRESET', 'EPIPE']);

/**
 * True for errors that mean "the server is not there": socket errors, PostgreSQL refusing the
 * connection (class 08, 57P0x shutting down, 3D000 no such database, 28xxx authentication), and
 * ioredis giving up.
 */
export const isUnreachable = (error: unknown): boolean => {
  if (error instanceof AggregateError) return error.errors.some(isUnreachable);
  const e = error as { code?: unknown; name?: unknown; message?: unknown } | null;
  if (!e) return false;
  const code = typeof e.code === 'string' ? e.code : '';
  if (NETWORK_CODES.has(code)) return true;
  if (/^(08|57P0|3D000|28)/.test(code)) return true;
  if (e.name === 'MaxRetriesPerRequestError') return true;
  const message = typeof e.message === 'string' ? e.message : '';
  return /Connection is closed|Connection terminated|connect ECONNREFUSED|getaddrinfo/.test(message);
};
