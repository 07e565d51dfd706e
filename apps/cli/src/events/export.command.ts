import { open, realpath, rename, rm, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { Inject } from '@nestjs/common';
import { CommandRunner, Help, Option, SubCommand } from 'nest-commander';
import { EVENT_TYPES, STREAM_CATEGORIES } from '@zan/contracts';
import { Backends, describeError } from '../core/backends';
import { CLI_IO, type CliIo, OutputClosed, note } from '../core/cli-io';
import { CliError, EXIT, UsageError } from '../core/exit-codes';
import { collect, parseChoice, parseIntOption, parsePositionOption } from '../core/options';
import { Progress, formatCount } from '../core/progress';
import { WithTimeRange, checkTimeRange } from '../core/shared-options';
import { exportEvents } from './export';
import { type ExportFormat, unknownCategories } from './export-format';

interface ExportFlags {
  format: ExportFormat;
  out?: string;
  stream?: string[];
  category?: string[];
  type?: string[];
  user?: string[];
  from?: Date;
  to?: Date;
  after?: bigint;
  until?: bigint;
  limit?: number;
  pageSize?: number;
}

@SubCommand({
  name: 'export',
  description: 'Write events as NDJSON (default) or CSV to stdout or a file, filtered; streams any number of events in constant memory',
})
export class ExportEventsCommand extends WithTimeRange(CommandRunner) {
  constructor(
    private readonly backends: Backends,
    @Inject(CLI_IO) private readonly io: CliIo,
  ) {
    super();
  }

  async run(_params: string[], flags: ExportFlags): Promise<void> {
    // `--user "$U"` with U empty must not quietly become no filter at all (every user's events).
    for (const [flag, values] of [
      ['--stream', flags.stream],
      ['--category', flags.category],
      ['--type', flags.type],
      ['--user', flags.user],
    ] as const) {
      if (values !== undefined && values.length === 0) throw new UsageError(`${flag} needs a value (an empty one would select every event)`);
    }
    const unknown = (flags.type ?? []).filter((t) => !(EVENT_TYPES as string[]).includes(t));
    if (unknown.length > 0) throw new UsageError(`unknown event type ${unknown.join(', ')} (known: ${EVENT_TYPES.join(', ')})`);
    const notCategories = unknownCategories(flags.category);
    if (notCategories.length > 0) {
      throw new UsageError(
        `unknown stream category ${notCategories.join(', ')} (stream categories: ${STREAM_CATEGORIES.join(', ')}; for kinds of event use --type, e.g. --type TipPraised,TipReceived)`,
      );
    }
    checkTimeRange(flags);
    if (flags.after !== undefined && flags.until !== undefined && flags.after >= flags.until) throw new UsageError('--after must be below --until');

    const store = await this.backends.eventStore();
    const head = await store.headPosition();
    const until = flags.until !== undefined && head !== undefined && flags.until < head ? flags.until : head;
    const toFile = flags.out !== undefined && flags.out !== '-';
    const path = toFile ? await outputPath(resolve(this.io.cwd, flags.out!)) : undefined;
    // A pipe or a device (`--out /dev/stdout`) is written as it is, never replaced by a rename.
    const partial = path && !(await isSpecialFile(path)) ? `${path}.partial` : undefined;
    // Opened before reading anything: a bad --out is refused at once, not as an unhandled 'error' event.
    const out: Writable = path ? await openOutputFile(path, partial ?? path) : this.io.stdout;
    // A write error (disk full, ...) is kept and reported once, never thrown as an unhandled 'error' event.
    let writeError: Error | undefined;
    if (path) out.on('error', (error: Error) => (writeError ??= error));
    const progress = new Progress(this.io, 'export', flags.after, until ?? 0n);
    try {
      const result = await exportEvents(store, out, {
        format: flags.format,
        filter: { streams: flags.stream, categories: flags.category, types: flags.type, users: flags.user, from: flags.from, to: flags.to },
        after: flags.after,
        until,
        limit: flags.limit,
        pageSize: flags.pageSize,
        signal: this.io.signal,
        progress,
      });
      progress.stop();
      if (path) await closeFile(out);
      const where = path ?? 'stdout';
      const timing = `in ${progress.elapsedSeconds().toFixed(1)} s, ${formatCount(progress.rate(result.scanned))} events/s read`;
      if (result.interrupted) {
        note(
          this.io,
          `interrupted after ${formatCount(result.written)} events at position ${result.lastPosition ?? 'start'}; ${partial ? `partial output kept in ${partial}` : 'output is incomplete'}`,
        );
        this.io.exitCode = EXIT.interrupted;
        return;
      }
      if (partial && path) await rename(partial, path);
      note(this.io, `exported ${formatCount(result.written)} of ${formatCount(result.scanned)} events (${flags.format}) to ${where} ${timing}`);
      if (head === undefined) note(this.io, `the event store is empty (${this.backends.describeEventStore()})`);
    } catch (error) {
      progress.stop();
      if (path) {
        out.destroy();
        if (partial) await rm(partial, { force: true });
        if (writeError) throw new CliError(`cannot write ${path}: ${describeError(writeError)}`, EXIT.failed, { cause: writeError });
      }
      // The reader went away (`zan events export | head`): its choice, not a failure (README, "CLI").
      if (!path && error instanceof OutputClosed) return;
      throw error;
    }
  }

  @Option({
    flags: '--format <format>',
    description:
      'ndjson (one event per line, default) or csv; both add wallet (whose balance the event changes) and delta (signed fen: sum it per wallet for balances)',
    choices: ['ndjson', 'csv'],
    defaultValue: 'ndjson',
  })
  parseFormat(value: string): ExportFormat {
    return parseChoice(['ndjson', 'csv'] as const)(value);
  }

  @Option({ flags: '-o, --out <file>', description: 'write to this file (written as <file>.partial, renamed when complete); default stdout' })
  parseOut(value: string): string {
    return value;
  }

  @Option({ flags: '--stream <streamId>', description: 'only this stream (repeatable, or comma-separated)' })
  parseStream(value: string, previous?: string[]): string[] {
    return collect(value, previous);
  }

  @Option({
    flags: '--category <category>',
    description: `only streams of this category, the stream id prefix: ${STREAM_CATEGORIES.join(', ')} (repeatable); kinds of event (tips, ...) are --type`,
  })
  parseCategory(value: string, previous?: string[]): string[] {
    return collect(value, previous);
  }

  @Option({ flags: '--type <type>', description: 'only events of this type, e.g. TipPraised (repeatable)' })
  parseType(value: string, previous?: string[]): string[] {
    return collect(value, previous);
  }

  @Option({
    flags: '--user <userId>',
    description:
      'only events involving this user: the owner of its wallet stream, metadata.userId, or data.userId/*UserId/readerId/authorId/senderId/buyerId/merchantId/payerId/recipients (repeatable)',
  })
  parseUser(value: string, previous?: string[]): string[] {
    return collect(value, previous);
  }

  @Option({ flags: '--after <position>', description: 'only events after this global position (exclusive)' })
  parseAfter(value: string): bigint {
    return parsePositionOption(value);
  }

  @Option({ flags: '--until <position>', description: 'only events up to this global position (inclusive); default: the head when the export starts' })
  parseUntil(value: string): bigint {
    return parsePositionOption(value);
  }

  @Option({ flags: '--limit <n>', description: 'stop after writing n events' })
  parseLimit(value: string): number {
    return parseIntOption(1, Number.MAX_SAFE_INTEGER)(value);
  }

  @Option({ flags: '--page-size <n>', description: 'events per read from the store (default 2000)' })
  parsePageSize(value: string): number {
    return parseIntOption(1, 100_000)(value);
  }

  @Help('after')
  examples(): string {
    return `
Examples:
  zan events export > all.ndjson
  zan events export --format csv --out tips.csv --type TipPraised --from 2026-01-01 --to 2026-02-01
  zan events export --user alice --category wallet
  zan events export --after 74800000 --until 75200000 --stream red-packet-9f2c…`;
  }
}

/** The file a link points to, so that the rename replaces the file and keeps the link. */
const outputPath = (path: string): Promise<string> => realpath(path).catch(() => path);

/** A FIFO, a device or a socket: something to write into, not a file to replace. */
const isSpecialFile = async (path: string): Promise<boolean> => {
  const stats = await stat(path).catch(() => undefined);
  return stats !== undefined && !stats.isFile() && !stats.isDirectory();
};

/** `<file>.partial`, created (or truncated) now; a directory or a path that cannot be written is a usage error. */
const openOutputFile = async (path: string, partial: string): Promise<Writable> => {
  if ((await stat(path).catch(() => undefined))?.isDirectory()) throw new UsageError(`--out ${path} is a directory; give a file name`);
  try {
    return (await open(partial, 'w')).createWriteStream();
  } catch (error) {
    throw new UsageError(`--out ${path}: cannot create ${partial}: ${describeError(error)}`);
  }
};

const closeFile = (out: Writable): Promise<void> =>
  new Promise((resolveClose, reject) => {
    out.once('error', reject);
    // end's callback is also how a failed last write (a full disk) is told: never a success then.
    out.end((error?: Error | null) => (error ? reject(error) : resolveClose()));
  });
