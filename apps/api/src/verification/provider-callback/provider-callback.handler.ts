import { Logger } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandContext } from '../../command-path/command-context';
import { deterministicId } from '../../command-path/ids';
import { WalletStreams } from '../../command-path/wallet-streams';
import type { ProviderDecision } from './provider-callback.dto';

export class RecordProviderDecisionCommand extends Command<void> {
  constructor(
    readonly context: CommandContext,
    readonly decision: ProviderDecision,
  ) {
    super();
  }
}

/**
 * A signed provider answer, applied once to the request it names: a replay, a late answer after
 * another one, an answer to a request since replaced or after an admin decided, all do nothing.
 */
@CommandHandler(RecordProviderDecisionCommand)
export class RecordProviderDecisionHandler implements ICommandHandler<RecordProviderDecisionCommand> {
  private readonly logger = new Logger('ProviderCallback');

  constructor(private readonly wallets: WalletStreams) {}

  async execute({ context, decision }: RecordProviderDecisionCommand): Promise<void> {
    const { userId, verificationId } = decision;
    if (!(await this.wallets.load(userId)).state.exists) {
      // Asked about nobody Zan asked for: nothing to do, like any answer to no pending request.
      this.logger.warn(`verification callback ${verificationId} names user ${userId}, who has no wallet: ignored`);
      return;
    }
    await this.wallets.decide(
      userId,
      {
        type: 'RecordVerification',
        data: { userId, verificationId, decision: decision.decision, decidedBy: 'provider', ...(decision.reason !== undefined && { reason: decision.reason }) },
      },
      context,
      // The same answer to the same request is the same command: its events get the same ids.
      deterministicId('verification-callback', verificationId, decision.decision),
    );
  }
}
