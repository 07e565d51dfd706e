import { Inject } from '@nestjs/common';
import { Command, CommandRunner, Help, Option } from 'nest-commander';
import { CURRENCY } from '@zan/contracts';
import { Backends } from '../core/backends';
import { CLI_IO, type CliIo, note } from '../core/cli-io';
import { EXIT, UsageError } from '../core/exit-codes';
import { money, toJson } from '../core/format';
import { parseMomentOption, type Moment } from '../core/options';
import { WithJson } from '../core/shared-options';
import { balanceAt } from './balance-at';

interface BalanceFlags {
  at?: Moment;
  json?: boolean;
}

@Command({
  name: 'balance',
  arguments: '<userId>',
  argsDescription: { userId: 'the wallet owner' },
  description: "A wallet's balance at a past moment (a time or a global position), folded from its events; exit 1 if it had no wallet then",
})
export class BalanceCommand extends WithJson(CommandRunner, 'answer as JSON') {
  constructor(
    private readonly backends: Backends,
    @Inject(CLI_IO) private readonly io: CliIo,
  ) {
    super();
  }

  async run([userId]: string[], flags: BalanceFlags): Promise<void> {
    if (!userId) throw new UsageError('balance: a user id is required');
    const store = await this.backends.eventStore();
    const at = flags.at;
    const moment = !at ? 'now' : 'position' in at ? `position ${at.position}` : at.time.toISOString();
    const result = await balanceAt(store, userId, at);
    if (!result) {
      note(this.io, `zan: no wallet for ${userId} at ${moment}`);
      this.io.exitCode = EXIT.findings;
      return;
    }
    if (flags.json) {
      this.io.stdout.write(
        `${toJson({ userId, kind: result.kind ?? null, balance: result.balance, currency: CURRENCY, at: at ? ('position' in at ? { position: at.position } : { time: at.time.toISOString() }) : null, events: result.events, lastEvent: result.last })}\n`,
      );
      return;
    }
    const last = result.last!;
    this.io.stdout.write(
      `${userId}: ${money(result.balance)} at ${moment}\n  ${result.events} wallet events; the last at position ${last.position} (${last.type}, ${last.occurredAt})\n`,
    );
  }

  @Option({ flags: '--at <time|position>', description: 'an ISO 8601 time with a zone (or a date, UTC midnight), or a global position; default now' })
  parseAt(value: string): Moment {
    return parseMomentOption(value);
  }

  @Help('after')
  examples(): string {
    return `
A time counts the events that occurred at or before it; a position, the events stored at or before it.

Examples:
  zan balance alice
  zan balance alice --at 2026-01-31T23:59:59+08:00
  zan balance alice --at 74800000 --json`;
  }
}
