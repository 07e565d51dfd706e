import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandContext } from '../../command-path/command-context';
import { deterministicId } from '../../command-path/ids';
import { WalletStreams } from '../../command-path/wallet-streams';
import { positionOf, storedIdOf } from '../../command-path/execution';
import type { FundedDoc } from './fund-wallet.dto';

export class FundWalletCommand extends Command<FundedDoc> {
  constructor(
    readonly context: CommandContext,
    readonly cardId: string,
    readonly amount: number,
  ) {
    super();
  }
}

@CommandHandler(FundWalletCommand)
export class FundWalletHandler implements ICommandHandler<FundWalletCommand> {
  constructor(private readonly wallets: WalletStreams) {}

  async execute({ context, cardId, amount }: FundWalletCommand): Promise<FundedDoc> {
    const { userId } = context;
    const fundingId = deterministicId(context.commandId, 'funding');
    const done = await this.wallets.decide(userId, { type: 'FundWallet', data: { userId, fundingId, cardId, amount } }, context);
    return { fundingId: storedIdOf(done, 'WalletFunded', 'fundingId', fundingId), balance: done.state.balance, position: positionOf(done) };
  }
}
