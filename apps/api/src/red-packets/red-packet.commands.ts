import { Command } from '@nestjs/cqrs';
import type { RedPacketMode } from '@zan/contracts';
import type { CommandContext } from '../command-path/command-context';

export class SendRedPacketCommand extends Command<{ redPacketId: string; expiresAt: string; balance: number; position: string }> {
  constructor(
    readonly context: CommandContext,
    readonly amount: number,
    readonly shares: number,
    readonly mode: RedPacketMode,
    readonly greeting: string | undefined,
    readonly recipients: string[] | undefined,
  ) {
    super();
  }
}

export class ClaimRedPacketCommand extends Command<{ redPacketId: string; amount: number; position: string }> {
  constructor(readonly context: CommandContext, readonly redPacketId: string) {
    super();
  }
}
