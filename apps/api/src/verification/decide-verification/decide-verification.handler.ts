import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { verificationStatus } from '@zan/domain';
import type { CommandContext } from '../../command-path/command-context';
import { positionOf } from '../../command-path/execution';
import { WalletStreams } from '../../command-path/wallet-streams';
import type { VerificationAnswer } from '../verification-answer';

export class DecideVerificationCommand extends Command<VerificationAnswer> {
  constructor(
    readonly context: CommandContext,
    readonly userId: string,
    readonly decision: 'verified' | 'rejected',
    readonly reason: string | undefined,
  ) {
    super();
  }
}

/** An admin's decision overrides the provider's, both ways, whether or not the wallet asked. */
@CommandHandler(DecideVerificationCommand)
export class DecideVerificationHandler implements ICommandHandler<DecideVerificationCommand> {
  constructor(private readonly wallets: WalletStreams) {}

  async execute({ context, userId, decision, reason }: DecideVerificationCommand): Promise<VerificationAnswer> {
    const done = await this.wallets.decide(
      userId,
      { type: 'RecordVerification', data: { userId, decision, decidedBy: 'admin', ...(reason !== undefined && { reason }) } },
      context,
    );
    return { userId, status: verificationStatus(done.state), position: positionOf(done) };
  }
}
