import type { Writable } from 'node:stream';

/**
 * Everything a command touches outside itself: its output streams, its environment and the signal
 * that Ctrl-C raises. main.ts gives the process's own; specs give theirs and run the CLI in-process.
 */
export interface CliIo {
  stdout: Writable;
  stderr: Writable & { isTTY?: boolean; columns?: number };
  env: NodeJS.ProcessEnv;
  /** Aborted on the first Ctrl-C: long commands finish the step they are in, checkpoint and stop. */
  signal: AbortSignal;
  /** Working directory that relative paths (--out, file: targets) are taken from. */
  cwd: string;
  /** Set by commands that ran but found something (EXIT.findings) or were interrupted. */
  exitCode: number;
  /** --verbose: stack traces and adapter logs. */
  verbose: boolean;
}

export const CLI_IO = Symbol('CLI_IO');

/** Progress bars and live counters only on a terminal, never in a pipe or a log file. */
export const isInteractive = (io: CliIo): boolean => io.stderr.isTTY === true && io.env.ZAN_NO_PROGRESS !== '1';

export const note = (io: CliIo, line: string): void => {
  io.stderr.write(`${line}\n`);
};

/** The reader went away (`zan events export | head`): stop writing, it is not an error. */
export class OutputClosed extends Error {
  override readonly name = 'OutputClosed';
}

/**
 * Writes with back-pressure: waits for 'drain' when the stream's buffer is full, so a slow consumer
 * slows the export down instead of filling memory.
 */
export const writeChunk = async (out: Writable, chunk: string): Promise<void> => {
  if (out.destroyed || out.writableEnded) throw new OutputClosed();
  if (out.write(chunk)) return;
  await new Promise<void>((resolve, reject) => {
    const settle = (error?: Error) => {
      out.off('drain', onDrain);
      out.off('error', onError);
      out.off('close', onClose);
      if (error) reject(error);
      else resolve();
    };
    const onDrain = () => settle();
    const onError = (error: NodeJS.ErrnoException) => settle(error.code === 'EPIPE' ? new OutputClosed() : error);
    const onClose = () => settle(new OutputClosed());
    out.on('drain', onDrain);
    out.on('error', onError);
    out.on('close', onClose);
  });
};
