import { Command, CommandRunner } from 'nest-commander';
import { UsageError } from '../core/exit-codes';
import { ExportEventsCommand } from './export.command';
import { ReplayEventsCommand } from './replay.command';

@Command({
  name: 'events',
  description: 'Export events, or replay them through the projections into a fresh target',
  subCommands: [ExportEventsCommand, ReplayEventsCommand],
})
export class EventsCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.outputHelp({ error: true });
    throw new UsageError('events: name a command (export, replay)');
  }
}
