import { Module, type DynamicModule } from '@nestjs/common';
import { AuditCommand } from './audit/audit.command';
import { BalanceCommand } from './balance/balance.command';
import { Backends } from './core/backends';
import { CLI_IO, type CliIo } from './core/cli-io';
import { CommanderRoot } from './core/commander-root';
import { EventsCommand } from './events/events.command';
import { ExportEventsCommand } from './events/export.command';
import { ReplayEventsCommand } from './events/replay.command';
import { AcceptPartitionsCommand, KafkaCommand, MigrateTopicsCommand } from './kafka/kafka.command';
import { ProcessManagersCommand, RedriveProcessManagerCommand } from './process-managers/process-managers.command';
import { ProjectionsCommand, ProjectionsStatusCommand, RebuildProjectionsCommand } from './projections/projections.command';
import { StatsCommand } from './stats/stats.command';
import { TokenCommand } from './token/token.command';
import { ListWebhooksCommand, ReplayWebhooksCommand, WebhookDeliveriesCommand, WebhooksCommand } from './webhooks/webhooks.command';

/** Every `zan` command, and the backends they open on demand. */
@Module({})
export class CliModule {
  static forIo(io: CliIo): DynamicModule {
    return {
      module: CliModule,
      providers: [
        { provide: CLI_IO, useValue: io },
        Backends,
        CommanderRoot,
        EventsCommand,
        ExportEventsCommand,
        ReplayEventsCommand,
        KafkaCommand,
        MigrateTopicsCommand,
        AcceptPartitionsCommand,
        ProjectionsCommand,
        RebuildProjectionsCommand,
        ProjectionsStatusCommand,
        ProcessManagersCommand,
        RedriveProcessManagerCommand,
        AuditCommand,
        BalanceCommand,
        StatsCommand,
        TokenCommand,
        WebhooksCommand,
        ListWebhooksCommand,
        WebhookDeliveriesCommand,
        ReplayWebhooksCommand,
      ],
    };
  }
}
