import { resolve } from 'node:path';
import { Inject } from '@nestjs/common';
import { CommandRunner, Help, Option, SubCommand } from 'nest-commander';
import { createProjections } from '@zan/read-models';
import { Backends } from '../core/backends';
import { CLI_IO, type CliIo, note } from '../core/cli-io';
import { EXIT, UsageError } from '../core/exit-codes';
import { collect, parseIntOption, parsePositionOption } from '../core/options';
import { Progress, formatCount } from '../core/progress';
import { FileReplayTarget } from '../replay/file-target';
import { RedisReplayTarget } from '../replay/redis-target';
import { pickProjections, replay } from '../replay/replay';
import type { ReplayTarget } from '../replay/replay-target';

interface ReplayFlags {
  projection?: string[];
  target?: string;
  from?: bigint;
  to?: bigint;
  batch?: number;
  reset?: boolean;
}

@SubCommand({
  name: 'replay',
  description: 'Feed a position range through projections into a fresh target (redis:<prefix> or file:<path>); resumable after Ctrl-C',
})
export class ReplayEventsCommand extends CommandRunner {
  constructor(
    private readonly backends: Backends,
    @Inject(CLI_IO) private readonly io: CliIo,
  ) {
    super();
  }

  async run(_params: string[], flags: ReplayFlags): Promise<void> {
    if (!flags.projection?.length) throw new UsageError('replay: --projection is required (a name or "all")');
    if (!flags.target) throw new UsageError('replay: --target is required (redis:<prefix> or file:<path>)');
    if (flags.from !== undefined && flags.to !== undefined && flags.from > flags.to) throw new UsageError('--from must not be above --to');
    const config = this.backends.config();
    const projections = pickProjections(createProjections({ feedLength: config.feedLength }), flags.projection);
    const target = await this.openTarget(flags.target);
    const store = await this.backends.eventStore();

    const head = (await store.headPosition()) ?? 0n;
    const end = flags.to ?? head;
    const progress = new Progress(this.io, 'replay', flags.from === undefined ? undefined : flags.from - 1n, end);
    try {
      const result = await replay(store, target, {
        projections,
        from: flags.from,
        to: flags.to,
        batchSize: flags.batch,
        reset: flags.reset,
        signal: this.io.signal,
        progress: (position, events) => progress.update(position, events),
      });
      progress.stop();
      const where = target.description;
      const upTo = result.checkpoint.position ?? 'the start';
      if (result.interrupted) {
        note(
          this.io,
          `interrupted: ${where} holds ${formatCount(result.checkpoint.events)} events up to position ${upTo}; run the same command again to resume`,
        );
        this.io.exitCode = EXIT.interrupted;
        return;
      }
      if (result.applied === 0 && result.resumed) {
        note(this.io, `${where} already holds this replay, complete up to position ${upTo} (${formatCount(result.checkpoint.events)} events)`);
        return;
      }
      note(
        this.io,
        `replayed ${formatCount(result.applied)} events (${result.spec.projections.join(',')})${result.resumed ? ', resumed,' : ''} into ${where} up to position ${upTo} in ${progress.elapsedSeconds().toFixed(1)} s, ${formatCount(progress.rate(result.applied))} events/s`,
      );
    } finally {
      progress.stop();
      await target.close();
    }
  }

  private async openTarget(spec: string): Promise<ReplayTarget> {
    const colon = spec.indexOf(':');
    const kind = colon < 0 ? spec : spec.slice(0, colon);
    const rest = colon < 0 ? '' : spec.slice(colon + 1);
    if (kind === 'file') {
      if (!rest) throw new UsageError('--target file:<path> needs a path');
      return new FileReplayTarget(resolve(this.io.cwd, rest));
    }
    if (kind === 'redis') {
      if (!rest) throw new UsageError('--target redis:<prefix> needs a key prefix, e.g. redis:replay:2026-01:');
      const live = this.backends.config().redisPrefix;
      if (live.startsWith(rest)) {
        throw new UsageError(`--target redis:${rest} would cover the live read models (ZAN_REDIS_PREFIX=${live}); use "zan projections rebuild" for those`);
      }
      return new RedisReplayTarget(await this.backends.redis(), rest);
    }
    throw new UsageError(`--target must be redis:<prefix> or file:<path>, not ${JSON.stringify(spec)}`);
  }

  @Option({
    flags: '-p, --projection <name>',
    description: 'balances, earnings, red-packets, feed, articles, commerce, group-buys, stats, or all (repeatable, or comma-separated)',
  })
  parseProjection(value: string, previous?: string[]): string[] {
    return collect(value, previous);
  }

  @Option({ flags: '-t, --target <target>', description: 'redis:<key prefix> (on REDIS_URL) or file:<path> (NDJSON dump of the keys)' })
  parseTarget(value: string): string {
    return value;
  }

  @Option({ flags: '--from <position>', description: 'first position to replay (inclusive); default the first event' })
  parseFrom(value: string): bigint {
    return parsePositionOption(value);
  }

  @Option({ flags: '--to <position>', description: 'last position to replay (inclusive); default the head when the replay starts' })
  parseTo(value: string): bigint {
    return parsePositionOption(value);
  }

  @Option({ flags: '--batch <n>', description: 'events per batch; each batch is written with the checkpoint (default 1000)' })
  parseBatch(value: string): number {
    return parseIntOption(1, 100_000)(value);
  }

  @Option({ flags: '--reset', description: 'empty the target first, whatever it holds' })
  parseReset(): boolean {
    return true;
  }

  @Help('after')
  examples(): string {
    return `
The target keeps its own checkpoint: after Ctrl-C (exit 130), run the same command again to resume.
A target holding other data, or another replay, is refused unless --reset.

Examples:
  zan events replay --projection all --target redis:replay:jan: --to 75200000
  zan events replay -p balances,earnings -t file:balances.ndjson --from 74800000 --to 75200000
  zan events replay -p feed -t redis:scratch: --reset`;
  }
}
