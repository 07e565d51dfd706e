import 'reflect-metadata';
import { runCli } from './core/cli';
import { EXIT } from './core/exit-codes';

/** `zan ...` (bin/zan.js): the first Ctrl-C asks the command to checkpoint and stop, the second exits. */
async function main(): Promise<void> {
  const interrupt = new AbortController();
  process.on('SIGINT', () => {
    if (interrupt.signal.aborted) process.exit(EXIT.interrupted);
    interrupt.abort();
    if (process.stderr.isTTY) process.stderr.write('\nzan: stopping after the current step (Ctrl-C again to quit now)\n');
  });
  // A closed pipe (`zan events export | head`) is the reader's choice, not a failure; any other
  // write error (a full disk) is one line and exit 4, as every failure (README, "CLI").
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') return;
    process.stderr.write(`zan: cannot write the output: ${error.message}\n`);
    process.exit(EXIT.failed);
  });
  const code = await runCli(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    signal: interrupt.signal,
    cwd: process.cwd(),
  });
  process.exitCode = code;
  // Everything is closed by now; a handle some library forgot must not keep the process alive.
  setTimeout(() => process.exit(code), 2000).unref();
}

void main();
