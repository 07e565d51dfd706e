import { Inject } from '@nestjs/common';
import { Command, CommandRunner, Help, Option, SubCommand } from 'nest-commander';
import type { StoredEvent } from '@zan/contracts';
import { createProjections, rebuildFromEventStore, type ReadModelStatus } from '@zan/read-models';
import { Backends } from '../core/backends';
import { CLI_IO, type CliIo, note } from '../core/cli-io';
import { CliError, EXIT, UsageError } from '../core/exit-codes';
import { renderTable, toJson } from '../core/format';
import { parseDurationOption, parseIntOption } from '../core/options';
import { Progress, formatCount } from '../core/progress';
import { WithJson } from '../core/shared-options';
import { pickProjections } from '../replay/replay';

/** Raised inside the event source on Ctrl-C, so the rebuild aborts its generation and stops. */
class RebuildInterrupted extends Error {
  override readonly name = 'RebuildInterrupted';
}

interface RebuildFlags {
  batch?: number;
  retireAfter?: number;
}

@SubCommand({
  name: 'rebuild',
  arguments: '[name]',
  argsDescription: {
    name: 'a projection (balances, earnings, red-packets, feed, articles, commerce, group-buys, stats) or all; every projection is rebuilt, they switch together',
  },
  description: 'Rebuild the live Redis read models from the event store with zero downtime: build a new generation beside the live one, then switch',
})
export class RebuildProjectionsCommand extends CommandRunner {
  constructor(
    private readonly backends: Backends,
    @Inject(CLI_IO) private readonly io: CliIo,
  ) {
    super();
  }

  async run([name]: string[], flags: RebuildFlags): Promise<void> {
    const config = this.backends.config();
    if (name) pickProjections(createProjections(), [name]);
    if (!config.redis) throw new UsageError('REDIS_URL is not set: the embedded read models live in the app process and are rebuilt at every start');
    if (name && name !== 'all') {
      note(this.io, `zan: the read models switch as one generation: rebuilding every projection, ${name} with them`);
    }
    const store = await this.backends.eventStore();
    const { store: live } = await this.backends.readModels();
    const head = (await store.headPosition()) ?? 0n;
    const before = await live.status();
    const progress = new Progress(this.io, 'rebuild', undefined, head);
    const signal = this.io.signal;
    const source = {
      readAll: (options: { after?: bigint; maxCount?: number; withoutMetadata?: boolean }): Promise<StoredEvent[]> => {
        if (signal.aborted) return Promise.reject(new RebuildInterrupted('interrupted'));
        return store.readAll(options);
      },
    };
    let built = { events: 0, seconds: 0 };
    try {
      const result = await rebuildFromEventStore({
        store: live,
        source,
        batchSize: flags.batch,
        retireAfterMs: (flags.retireAfter ?? 5) * 1000,
        onProgress: (applied, position) => {
          progress.update(position, applied);
          built = { events: applied, seconds: progress.elapsedSeconds() };
        },
        onSkip: (event, error) =>
          note(this.io, `zan: skipped ${event.type} ${event.id} at ${event.position}: ${error instanceof Error ? error.message : String(error)}`),
      });
      progress.stop();
      this.io.stdout.write(
        `rebuilt the read models: generation ${result.generation} is live (was ${before.generation}), ${formatCount(result.events)} events up to position ${result.position}${result.skipped ? `, ${formatCount(result.skipped)} skipped` : ''}; built in ${built.seconds.toFixed(1)} s (${formatCount(built.seconds > 0 ? Math.round(built.events / built.seconds) : 0)} events/s), old generation deleted after ${flags.retireAfter ?? 5} s\n`,
      );
    } catch (error) {
      progress.stop();
      if (error instanceof RebuildInterrupted) {
        note(this.io, `zan: rebuild interrupted: the new generation was dropped, generation ${before.generation} is still live and untouched`);
        this.io.exitCode = EXIT.interrupted;
        return;
      }
      if (error instanceof Error && ['RebuildInProgress', 'RebuildTimeout', 'GenerationLost'].includes(error.name)) {
        throw new CliError(`rebuild failed, generation ${before.generation} is still live: ${error.message}`);
      }
      throw error;
    }
  }

  @Option({ flags: '--batch <n>', description: 'events read and applied per step (default 1000)' })
  parseBatch(value: string): number {
    return parseIntOption(1, 100_000)(value);
  }

  @Option({
    flags: '--retire-after <duration>',
    description: "wait between the switch and deleting the old generation; longer than the readers' generation cache of 1 s (default 5s)",
  })
  parseRetireAfter(value: string): number {
    return parseDurationOption(value);
  }

  @Help('after')
  examples(): string {
    return `
Queries keep reading the live generation, and the projector keeps writing to it, while the new one
fills from the event store; the switch is atomic once the new generation has everything the live one
has; the old one is then deleted. Ctrl-C drops the new generation and leaves the live one as it was.
Needs REDIS_URL (the embedded read models are rebuilt at every start).

Examples:
  zan projections rebuild
  zan projections rebuild balances --batch 5000`;
  }
}

interface StatusFlags {
  json?: boolean;
  maxLag?: number;
}

/** Events counted past the watermark before the count says "at least". */
const LAG_COUNT_LIMIT = 100_000;

@SubCommand({
  name: 'status',
  description: "Each projection's checkpoint (the read models' watermark) and lag behind the event store head, in events and positions",
})
export class ProjectionsStatusCommand extends WithJson(CommandRunner, 'the status as JSON') {
  constructor(
    private readonly backends: Backends,
    @Inject(CLI_IO) private readonly io: CliIo,
  ) {
    super();
  }

  async run(_params: string[], flags: StatusFlags): Promise<void> {
    const config = this.backends.config();
    const store = await this.backends.eventStore();
    const { store: live } = await this.backends.readModels();
    const [head, status] = await Promise.all([store.headPosition(), live.status()]);
    const lag = await this.lagOf(status.watermark, head);
    const rebuilding = status.rebuilding && { ...status.rebuilding, lag: await this.lagOf(status.rebuilding.watermark, head) };
    const projections = createProjections({ feedLength: config.feedLength }).map((p) => p.name);
    if (flags.json) {
      this.io.stdout.write(`${toJson({ head: head ?? 0n, ...status, lag, rebuilding, projections })}\n`);
    } else {
      this.io.stdout.write(this.render(status, head, lag, rebuilding, projections));
    }
    if (flags.maxLag !== undefined && lag.events > flags.maxLag) this.io.exitCode = EXIT.findings;
  }

  /** Events and positions between a watermark and the head; events counted up to LAG_COUNT_LIMIT. */
  private async lagOf(watermark: bigint, head: bigint | undefined): Promise<{ events: number; atLeast: boolean; positions: bigint }> {
    if (head === undefined || watermark >= head) return { events: 0, atLeast: false, positions: 0n };
    const store = await this.backends.eventStore();
    let events = 0;
    let after: bigint | undefined = watermark === 0n ? undefined : watermark;
    while (events < LAG_COUNT_LIMIT) {
      const page = await store.readAll({ after, maxCount: Math.min(5000, LAG_COUNT_LIMIT - events) });
      const counted = page.filter((e) => e.position <= head);
      events += counted.length;
      if (counted.length < page.length || page.length === 0) break;
      after = page[page.length - 1].position;
    }
    return { events, atLeast: events >= LAG_COUNT_LIMIT, positions: head - watermark };
  }

  private render(
    status: ReadModelStatus,
    head: bigint | undefined,
    lag: { events: number; atLeast: boolean; positions: bigint },
    rebuilding: (NonNullable<ReadModelStatus['rebuilding']> & { lag: typeof lag }) | undefined,
    projections: string[],
  ): string {
    const lagText = (l: typeof lag) => (l.events === 0 ? 'up to date' : `${l.atLeast ? '>= ' : ''}${formatCount(l.events)} events (${l.positions} positions)`);
    const lines = [
      `Read models (redis, prefix ${this.backends.config().redisPrefix}) against ${this.backends.describeEventStore()}`,
      `event store head: ${head ?? '(empty store)'}`,
      `live generation ${status.generation}: ${formatCount(status.applied)} events applied, ${formatCount(status.skipped)} skipped, ${formatCount(status.pending)} waiting ahead of the watermark`,
      ...(status.revisionGaps > 0
        ? [
            `${formatCount(status.revisionGaps)} revision gaps: events of a stream missing before a later one, or messages Zan never published (the projector's log names each); compare with zan audit, mend with a rebuild`,
          ]
        : []),
      '',
      renderTable(
        ['projection', 'checkpoint', 'lag'],
        projections.map((name) => [name, status.watermark.toString(), lagText(lag)]),
        ['left', 'right', 'left'],
      ),
      '(every projection of a generation moves with one watermark: each event is applied to all of them at once)',
    ];
    const categories = Object.entries(status.byCategory);
    if (categories.length > 0) {
      lines.push(
        '',
        renderTable(
          ['category', 'applied', 'skipped'],
          categories.map(([c, n]) => [c, n.applied, n.skipped]),
          ['left', 'right', 'right'],
        ),
      );
    }
    if (rebuilding) {
      lines.push(
        '',
        `rebuilding generation ${rebuilding.generation}: checkpoint ${rebuilding.watermark}, ${formatCount(rebuilding.applied)} events applied, lag ${lagText(rebuilding.lag)}`,
      );
    }
    return `${lines.join('\n')}\n`;
  }

  @Option({ flags: '--max-lag <events>', description: 'exit 1 when the read models are more than this many events behind (for monitors)' })
  parseMaxLag(value: string): number {
    return parseIntOption(0, Number.MAX_SAFE_INTEGER)(value);
  }

  @Help('after')
  examples(): string {
    return `
Examples:
  zan projections status
  zan projections status --json | jq .lag
  zan projections status --max-lag 1000 || alert "read models are behind"`;
  }
}

@Command({
  name: 'projections',
  description: 'Rebuild the live read models with zero downtime, or show where they stand',
  subCommands: [RebuildProjectionsCommand, ProjectionsStatusCommand],
})
export class ProjectionsCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.outputHelp({ error: true });
    throw new UsageError('projections: name a command (rebuild, status)');
  }
}
