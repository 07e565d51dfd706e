import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandContext } from '../../command-path/command-context';
import { deterministicId } from '../../command-path/ids';
import { WalletStreams } from '../../command-path/wallet-streams';
import { positionOf, storedIdOf } from '../../command-path/execution';
import type { TransferredDoc } from './transfer-funds.dto';

export class TransferFundsCommand extends Command<TransferredDoc> {
  constructor(
    readonly context: CommandContext,
    readonly toUserId: string,
    readonly amount: number,
    readonly note: string | undefined,
  ) {
    super();
  }
}

/** Decided on the payer's wallet; the payee is credited by the credits process manager reacting to FundsTransferred. */
@CommandHandler(TransferFundsCommand)
export class TransferFundsHandler implements ICommandHandler<TransferFundsCommand> {
  constructor(private readonly wallets: WalletStreams) {}

  async execute({ context, toUserId, amount, note }: TransferFundsCommand): Promise<TransferredDoc> {
    const { userId } = context;
    const transferId = deterministicId(context.commandId, 'transfer');
    // The payee's wallet only ever comes into existence, so reading it outside the payer's decision is
    // safe, and a cached wallet that exists needs no read.
    const payeeExists = (await this.wallets.load(toUserId, { settled: (payee) => payee.exists })).state.exists;
    const done = await this.wallets.decide(
      userId,
      { type: 'TransferFunds', data: { transferId, fromUserId: userId, toUserId, amount, ...(note !== undefined && { note }), payeeExists } },
      context,
    );
    return { transferId: storedIdOf(done, 'FundsTransferred', 'transferId', transferId), balance: done.state.balance, position: positionOf(done) };
  }
}
