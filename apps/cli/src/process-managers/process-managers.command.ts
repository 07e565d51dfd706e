import { Inject } from '@nestjs/common';
import { Command, CommandRunner, Help, Option, SubCommand } from 'nest-commander';
import { PROCESS_MANAGER_CHECKPOINTS } from '@zan/event-store';
import { Backends } from '../core/backends';
import { CLI_IO, type CliIo, note } from '../core/cli-io';
import { CliError, EXIT, UsageError } from '../core/exit-codes';
import { parseDurationOption, parseMomentOption, type Moment } from '../core/options';
import { requestRedrive, waitForRedrive } from './redrive';

interface RedriveFlags {
  from?: Moment;
  force?: boolean;
  wait?: number | false;
}

const NAMES = Object.keys(PROCESS_MANAGER_CHECKPOINTS) as (keyof typeof PROCESS_MANAGER_CHECKPOINTS)[];

@SubCommand({
  name: 'redrive',
  arguments: '<name>',
  argsDescription: { name: `the process manager (${NAMES.join(', ')})` },
  description: 'Make a process manager react again to every event from a position or a time on (idempotent: what ran already is found stored)',
})
export class RedriveProcessManagerCommand extends CommandRunner {
  constructor(
    private readonly backends: Backends,
    @Inject(CLI_IO) private readonly io: CliIo,
  ) {
    super();
  }

  async run([name]: string[], flags: RedriveFlags): Promise<void> {
    if (!(NAMES as string[]).includes(name)) throw new UsageError(`unknown process manager ${name} (known: ${NAMES.join(', ')})`);
    if (!flags.from) throw new UsageError('--from <position|time> is required');
    const checkpointName = PROCESS_MANAGER_CHECKPOINTS[name as keyof typeof PROCESS_MANAGER_CHECKPOINTS];
    const store = await this.backends.eventStore();
    const checkpoints = await this.backends.checkpoints();
    const request = await requestRedrive(store, checkpoints, checkpointName, flags.from, { force: flags.force, signal: this.io.signal });
    if (!request) {
      this.io.stdout.write(`${name}: no checkpoint yet, so it reacts from the first event when it starts; nothing to re-drive\n`);
      return;
    }
    if (request.replaced !== undefined) note(this.io, `zan: replaced a re-drive request still waiting (after position ${request.replaced})`);
    this.io.stdout.write(`${name}: re-drive requested after position ${request.after} (checkpoint was ${request.checkpoint ?? 'none'})\n`);
    if (this.backends.config().eventStore.kind === 'embedded') {
      this.io.stdout.write(`${name}: the embedded store serves one process: start the app, and its leader re-drives from there\n`);
      return;
    }
    if (flags.wait === false) return;
    const timeoutMs = (flags.wait ?? 120) * 1000;
    const done = await waitForRedrive(checkpoints, checkpointName, { timeoutMs, signal: this.io.signal });
    if (this.io.signal.aborted) {
      this.io.stderr.write('zan: stopped waiting; the re-drive stays requested\n');
      this.io.exitCode = EXIT.interrupted;
      return;
    }
    if (!done) {
      throw new CliError(
        `no running ${name} leader carried the re-drive out within ${timeoutMs / 1000} s (is an api running?); it stays requested, and the leader carries it out when it starts`,
      );
    }
    this.io.stdout.write(`${name}: re-driven; checkpoint now ${(await checkpoints.load(checkpointName)) ?? 'none'}\n`);
  }

  @Option({
    flags: '--from <position|time>',
    description: 'react again to the event at this position and every later one, or to those from this time (ISO 8601) on',
  })
  parseFrom(value: string): Moment {
    return parseMomentOption(value);
  }

  @Option({ flags: '--force', description: 'allow a position past the checkpoint (skips reactions that have not run: never needed to repair)' })
  parseForce(): boolean {
    return true;
  }

  @Option({ flags: '--wait <duration>', description: 'how long to wait for the running leader to finish (default 2m)' })
  parseWait(value: string): number {
    return parseDurationOption(value);
  }

  @Option({ flags: '--no-wait', description: 'return once requested' })
  parseNoWait(): boolean {
    return false;
  }

  @Help('after')
  examples(): string {
    return `
The request is stored beside the checkpoint; the process manager's leader polls it every second,
reads again from it, and deletes it once its reactions have passed the head it started at (a leader
that dies meanwhile is followed by one that starts over). Every credit has a deterministic event
id, so a reaction that had run finds its event stored and does nothing: re-driving never pays twice.
With the embedded store, stop the app first, request, then start the app.
Exit 0 done (or requested, embedded), 2 a position past the checkpoint without --force, 4 not done in time.

Examples:
  zan audit --grace 2m                              # missing-credit findings name their positions
  zan process-managers redrive credits --from 74800123
  zan process-managers redrive credits --from 2026-12-05T14:00:00Z --wait 10m`;
  }
}

@Command({
  name: 'process-managers',
  description: 'Operate the process managers (the credits): re-drive one from an earlier position',
  subCommands: [RedriveProcessManagerCommand],
})
export class ProcessManagersCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.outputHelp({ error: true });
    throw new UsageError('process-managers: name a command (redrive)');
  }
}
