import { ConsoleLogger, type LoggerService } from '@nestjs/common';
import type { INestApplicationContext } from '@nestjs/common';
import type { Command as Commander } from 'commander';
import { CommandFactory } from 'nest-commander';
import { CliModule } from '../cli.module';
import type { CliIo } from './cli-io';
import { CommanderRoot } from './commander-root';
import { describeError } from './backends';
import { CliError, EXIT, isUnreachable } from './exit-codes';

export interface RunCliIo extends Partial<Omit<CliIo, 'exitCode' | 'verbose'>> {
  stdout: CliIo['stdout'];
  stderr: CliIo['stderr'];
}

/**
 * Runs one `zan` command line and resolves to its exit code; never exits the process and never
 * throws, so specs can run the CLI in-process. Errors become one line on stderr (a stack trace
 * only with --verbose) and an exit code from EXIT.
 */
export const runCli = async (argv: string[], options: RunCliIo): Promise<number> => {
  const io: CliIo = {
    stdout: options.stdout,
    stderr: options.stderr,
    env: options.env ?? process.env,
    signal: options.signal ?? new AbortController().signal,
    cwd: options.cwd ?? process.cwd(),
    exitCode: EXIT.ok,
    verbose: argv.includes('--verbose'),
  };
  let app: INestApplicationContext | undefined;
  try {
    app = await CommandFactory.createWithoutRunning(CliModule.forIo(io), {
      logger: io.verbose ? stderrLogger(io) : false,
      abortOnError: false,
      cliName: 'zan',
    });
    const root = app.get(CommanderRoot).program as unknown as Commander;
    configureTree(root, io);
    await root.parseAsync(argv, { from: 'user' });
    return io.exitCode;
  } catch (error) {
    return report(error, io);
  } finally {
    await app?.close().catch((error: unknown) => {
      if (io.verbose) io.stderr.write(`zan: while closing: ${describeError(error)}\n`);
    });
  }
};

/** Root options, output, and parse errors that throw (exit 2) instead of exiting the process. */
const configureTree = (root: Commander, io: CliIo): void => {
  root
    .name('zan')
    .description(
      'Zan operators\' and analysts\' CLI: export, replay, rebuild, audit, balances, stats, tokens.\nSettings come from the same environment variables as the apps (README, "The CLI").',
    )
    .option('--verbose', 'print stack traces and adapter logs on stderr')
    .addHelpText(
      'after',
      '\nExit codes: 0 ok, 1 findings (audit differences, not found), 2 usage error, 3 backend unreachable, 4 other failure, 130 interrupted.',
    );
  const visit = (command: Commander): void => {
    command
      .exitOverride()
      .showHelpAfterError(`(run "${commandPath(command)} --help" for usage)`)
      .configureOutput({
        writeOut: (text) => io.stdout.write(text),
        writeErr: (text) => io.stderr.write(text),
      });
    command.commands.forEach((sub) => visit(sub as Commander));
  };
  visit(root);
};

const commandPath = (command: Commander): string => {
  const names: string[] = [];
  for (let c: Commander | null = command; c; c = c.parent as Commander | null) names.unshift(c.name());
  return names.join(' ');
};

const report = (error: unknown, io: CliIo): number => {
  const commander = error as { code?: unknown; exitCode?: unknown };
  if (typeof commander.code === 'string' && commander.code.startsWith('commander.')) {
    // Help and version were asked for: not an error. Everything else commander refuses is usage.
    if (commander.code === 'commander.helpDisplayed' || commander.code === 'commander.version') return EXIT.ok;
    // `zan help` exits 0; `zan` with no command shows the same help as an error.
    if (commander.code === 'commander.help' && commander.exitCode === 0) return EXIT.ok;
    return EXIT.usage;
  }
  const code = error instanceof CliError ? error.exitCode : isUnreachable(error) ? EXIT.unreachable : EXIT.failed;
  const prefix = code === EXIT.unreachable && !(error instanceof CliError) ? 'lost a backend: ' : '';
  io.stderr.write(`zan: ${prefix}${describeError(error)}\n`);
  if (io.verbose) {
    // The error the CLI reports, then what caused it (the driver's own error and stack).
    for (let e: unknown = error; e instanceof Error; e = e.cause) io.stderr.write(`${e.stack ?? e.message}\n`);
  } else if (code === EXIT.failed) io.stderr.write('zan: run again with --verbose for details\n');
  return code;
};

const stderrLogger = (io: CliIo): LoggerService => {
  const logger = new ConsoleLogger('zan');
  const write = (level: string) => (message: unknown, context?: unknown) =>
    io.stderr.write(`[${level}]${typeof context === 'string' ? ` ${context}:` : ''} ${String(message)}\n`);
  return {
    log: write('log'),
    error: write('error'),
    warn: write('warn'),
    debug: write('debug'),
    verbose: write('verbose'),
    fatal: write('fatal'),
    setLogLevels: logger.setLogLevels?.bind(logger),
  };
};
