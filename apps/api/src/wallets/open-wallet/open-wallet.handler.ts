import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CURRENCY, type WalletKind } from '@zan/contracts';
import type { CommandContext } from '../../command-path/command-context';
import { WalletStreams } from '../../command-path/wallet-streams';
import { positionOf } from '../../command-path/execution';
import type { WalletOpenedDoc } from './open-wallet.dto';

export class OpenWalletCommand extends Command<WalletOpenedDoc> {
  constructor(
    readonly context: CommandContext,
    readonly kind: WalletKind,
  ) {
    super();
  }
}

@CommandHandler(OpenWalletCommand)
export class OpenWalletHandler implements ICommandHandler<OpenWalletCommand> {
  constructor(private readonly wallets: WalletStreams) {}

  async execute({ context, kind }: OpenWalletCommand): Promise<WalletOpenedDoc> {
    const { userId } = context;
    const done = await this.wallets.decide(userId, { type: 'OpenWallet', data: { userId, kind } }, context);
    return { userId, kind: done.state.kind ?? kind, balance: done.state.balance, currency: CURRENCY, position: positionOf(done) };
  }
}
