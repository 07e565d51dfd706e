import { Inject } from '@nestjs/common';
import { Command, CommandRunner, Help, Option, SubCommand } from 'nest-commander';
import { parsePosition } from '@zan/contracts';
import { replayRange, type WebhookEndpoint } from '@zan/webhooks';
import { Backends } from '../core/backends';
import { CLI_IO, type CliIo } from '../core/cli-io';
import { CliError, UsageError } from '../core/exit-codes';
import { renderTable, toJson } from '../core/format';
import { parseIntOption } from '../core/options';
import { WithJson } from '../core/shared-options';

const endpointOf = async (backends: Backends, id: string): Promise<WebhookEndpoint> => {
  const endpoint = /^[0-9a-f-]{36}$/.test(id) ? await (await backends.webhooks()).endpoint(id) : undefined;
  if (!endpoint) throw new CliError(`no webhook endpoint ${id}`);
  return endpoint;
};

@SubCommand({ name: 'list', description: 'Every webhook endpoint: id, status, url, event types (never a secret)' })
export class ListWebhooksCommand extends WithJson(CommandRunner, 'the endpoints as JSON') {
  constructor(
    private readonly backends: Backends,
    @Inject(CLI_IO) private readonly io: CliIo,
  ) {
    super();
  }

  async run(_params: string[], flags: { json?: boolean }): Promise<void> {
    const store = await this.backends.webhooks();
    const endpoints = (await store.endpoints()).map(({ secrets: _secrets, ...rest }) => rest);
    if (flags.json) return void this.io.stdout.write(`${toJson(endpoints)}\n`);
    const rows = endpoints.map((e) => [e.id, e.status + (e.disabledReason ? ` (${e.disabledReason})` : ''), e.url, e.events.join(',')]);
    this.io.stdout.write(`${renderTable(['endpoint', 'status', 'url', 'events'], rows)}\n`);
  }
}

@SubCommand({ name: 'deliveries', arguments: '<endpointId>', description: "An endpoint's delivery log, newest attempt first" })
export class WebhookDeliveriesCommand extends WithJson(CommandRunner, 'the attempts as JSON') {
  constructor(
    private readonly backends: Backends,
    @Inject(CLI_IO) private readonly io: CliIo,
  ) {
    super();
  }

  async run([id]: string[], flags: { json?: boolean; limit?: number }): Promise<void> {
    await endpointOf(this.backends, id);
    const attempts = await (await this.backends.webhooks()).attempts(id, flags.limit ?? 20);
    if (flags.json) return void this.io.stdout.write(`${toJson(attempts)}\n`);
    const rows = attempts.map((a) => [a.at, a.eventId, a.type, a.attempt, a.status, a.responseStatus === null ? (a.error ?? '-') : String(a.responseStatus)]);
    this.io.stdout.write(`${renderTable(['at', 'event', 'type', 'attempt', 'status', 'answer'], rows)}\n`);
  }

  @Option({ flags: '--limit <n>', description: 'how many attempts (default 20)' })
  parseLimit(value: string): number {
    return parseIntOption(1, 10_000)(value);
  }
}

@SubCommand({
  name: 'replay',
  arguments: '<endpointId>',
  description: "Queue an endpoint's events of a position range again; the running dispatcher sends them",
})
export class ReplayWebhooksCommand extends CommandRunner {
  constructor(
    private readonly backends: Backends,
    @Inject(CLI_IO) private readonly io: CliIo,
  ) {
    super();
  }

  async run([id]: string[], flags: { after?: bigint; until?: bigint }): Promise<void> {
    if (flags.after === undefined) throw new UsageError('--after <position> is required');
    const endpoint = await endpointOf(this.backends, id);
    const events = await this.backends.eventStore();
    const until = flags.until ?? (await events.headPosition()) ?? 0n;
    if (until < flags.after) throw new UsageError('--until must not be before --after');
    const queued = await replayRange(events, await this.backends.webhooks(), endpoint, flags.after, until, () => this.io.signal.aborted);
    this.io.stdout.write(`${endpoint.id}: ${queued} deliveries queued again, positions (${flags.after}, ${until}]\n`);
  }

  @Option({ flags: '--after <position>', description: 'replay the events after this global position' })
  parseAfter(value: string): bigint {
    const position = parsePosition(value);
    if (position === undefined) throw new UsageError(`--after: not a position: ${value}`);
    return position;
  }

  @Option({ flags: '--until <position>', description: 'up to and including this position (default: the head now)' })
  parseUntil(value: string): bigint {
    const position = parsePosition(value);
    if (position === undefined) throw new UsageError(`--until: not a position: ${value}`);
    return position;
  }

  @Help('after')
  examples(): string {
    return `
Replayed deliveries keep their webhook-id (the event id), so a receiver that dedupes sees them as
the same messages. With the embedded store, stop the app first (one process holds the data folder).

Examples:
  zan webhooks list
  zan webhooks deliveries 6f1c2a9e-0c1b-4a8e-9d1e-3f2b7c4d5e6f --limit 50
  zan webhooks replay 6f1c2a9e-0c1b-4a8e-9d1e-3f2b7c4d5e6f --after 74800000`;
  }
}

@Command({
  name: 'webhooks',
  description: 'Operate webhook endpoints: list them, read a delivery log, replay a position range',
  subCommands: [ListWebhooksCommand, WebhookDeliveriesCommand, ReplayWebhooksCommand],
})
export class WebhooksCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.outputHelp({ error: true });
    throw new UsageError('webhooks: name a command (list, deliveries, replay)');
  }
}
