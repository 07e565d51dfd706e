import { Command } from '@nestjs/cqrs';
import type { CommandContext } from '../command-path/command-context';

export class PraiseTipCommand extends Command<{ tipId: string; balance: number; position: string }> {
  constructor(
    readonly context: CommandContext,
    readonly authorId: string,
    readonly articleId: string,
    readonly amount: number,
    readonly message: string | undefined,
  ) {
    super();
  }
}
