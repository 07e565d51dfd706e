import { Injectable } from '@nestjs/common';
import type { Counter, Histogram } from 'prom-client';
import { ZanMetrics } from '@zan/platform';

/** How a command ended: events appended, nothing to do, an earlier outcome found, refused, or failed. */
export type CommandOutcome = 'ok' | 'noop' | 'replayed' | 'rejected' | 'conflict' | 'error';

/** The api's own metrics: commands, appends and idempotent replays. */
@Injectable()
export class CommandMetrics {
  readonly commands: Counter<'command' | 'outcome'>;
  readonly commandDuration: Histogram<'command' | 'outcome'>;
  readonly appendDuration: Histogram<'outcome'>;
  readonly idempotentReplays: Counter<'route'>;

  constructor(metrics: ZanMetrics) {
    this.commands = metrics.counter('zan_commands_total', 'Commands decided, by type (FundWallet, ClaimRedPacket, CreditWallet, ...) and outcome', [
      'command',
      'outcome',
    ]);
    this.commandDuration = metrics.histogram('zan_command_duration_seconds', 'Command latency (load, decide, append, retries), by type and outcome', [
      'command',
      'outcome',
    ]);
    this.appendDuration = metrics.histogram(
      'zan_event_store_append_duration_seconds',
      'Event store append latency, by outcome (ok, conflict, duplicate, error)',
      ['outcome'],
    );
    this.idempotentReplays = metrics.counter(
      'zan_idempotent_replays_total',
      'Requests answered from an earlier response of the same Idempotency-Key, by route',
      ['route'],
    );
  }
}
