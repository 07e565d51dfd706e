import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandContext } from '../../command-path/command-context';
import { deterministicId } from '../../command-path/ids';
import { WalletStreams } from '../../command-path/wallet-streams';
import { positionOf, storedIdOf } from '../../command-path/execution';
import type { WithdrawnDoc } from './withdraw-funds.dto';

export class WithdrawFundsCommand extends Command<WithdrawnDoc> {
  constructor(
    readonly context: CommandContext,
    readonly cardId: string,
    readonly amount: number,
  ) {
    super();
  }
}

@CommandHandler(WithdrawFundsCommand)
export class WithdrawFundsHandler implements ICommandHandler<WithdrawFundsCommand> {
  constructor(private readonly wallets: WalletStreams) {}

  async execute({ context, cardId, amount }: WithdrawFundsCommand): Promise<WithdrawnDoc> {
    const { userId } = context;
    const withdrawalId = deterministicId(context.commandId, 'withdrawal');
    const done = await this.wallets.decide(userId, { type: 'WithdrawFunds', data: { userId, withdrawalId, cardId, amount } }, context);
    return { withdrawalId: storedIdOf(done, 'WalletWithdrawn', 'withdrawalId', withdrawalId), balance: done.state.balance, position: positionOf(done) };
  }
}
