import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CURRENCY } from '@zan/contracts';
import { commandIdOf } from '../command-path/command-context';
import { deterministicId } from '../command-path/command-runner';
import { WalletStreams, positionOf } from '../command-path/wallet-streams';
import {
  FundWalletCommand,
  LinkBankCardCommand,
  OpenWalletCommand,
  TransferFundsCommand,
  WithdrawFundsCommand,
} from './wallet.commands';

@CommandHandler(OpenWalletCommand)
export class OpenWalletHandler implements ICommandHandler<OpenWalletCommand> {
  constructor(private readonly wallets: WalletStreams) {}

  async execute({ context, kind }: OpenWalletCommand) {
    const { userId } = context;
    const commandId = commandIdOf(context);
    const done = await this.wallets.decide(userId, { type: 'OpenWallet', data: { userId, kind } }, context, commandId);
    return { userId, kind: done.state.kind ?? kind, balance: done.state.balance, currency: CURRENCY, position: positionOf(done) };
  }
}

@CommandHandler(LinkBankCardCommand)
export class LinkBankCardHandler implements ICommandHandler<LinkBankCardCommand> {
  constructor(private readonly wallets: WalletStreams) {}

  async execute({ context, cardId, personal }: LinkBankCardCommand) {
    const { userId } = context;
    const done = await this.wallets.decide(userId, { type: 'LinkBankCard', data: { userId, cardId, personal } }, context, commandIdOf(context));
    return { userId, cardId, personal, position: positionOf(done) };
  }
}

@CommandHandler(FundWalletCommand)
export class FundWalletHandler implements ICommandHandler<FundWalletCommand> {
  constructor(private readonly wallets: WalletStreams) {}

  async execute({ context, cardId, amount }: FundWalletCommand) {
    const { userId } = context;
    const commandId = commandIdOf(context);
    const fundingId = deterministicId(commandId, 'funding');
    const done = await this.wallets.decide(userId, { type: 'FundWallet', data: { userId, fundingId, cardId, amount } }, context, commandId);
    return { fundingId, balance: done.state.balance, position: positionOf(done) };
  }
}

@CommandHandler(WithdrawFundsCommand)
export class WithdrawFundsHandler implements ICommandHandler<WithdrawFundsCommand> {
  constructor(private readonly wallets: WalletStreams) {}

  async execute({ context, cardId, amount }: WithdrawFundsCommand) {
    const { userId } = context;
    const commandId = commandIdOf(context);
    const withdrawalId = deterministicId(commandId, 'withdrawal');
    const done = await this.wallets.decide(
      userId,
      { type: 'WithdrawFunds', data: { userId, withdrawalId, cardId, amount } },
      context,
      commandId,
    );
    return { withdrawalId, balance: done.state.balance, position: positionOf(done) };
  }
}

@CommandHandler(TransferFundsCommand)
export class TransferFundsHandler implements ICommandHandler<TransferFundsCommand> {
  constructor(private readonly wallets: WalletStreams) {}

  async execute({ context, toUserId, amount, note }: TransferFundsCommand) {
    const { userId } = context;
    const commandId = commandIdOf(context);
    const transferId = deterministicId(commandId, 'transfer');
    // The payee's wallet only ever comes into existence, so reading it outside the payer's decision is
    // safe, and a cached wallet that exists needs no read.
    const payeeExists = (await this.wallets.load(toUserId, (payee) => payee.exists)).state.exists;
    const done = await this.wallets.decide(
      userId,
      { type: 'TransferFunds', data: { transferId, fromUserId: userId, toUserId, amount, ...(note !== undefined && { note }), payeeExists } },
      context,
      commandId,
    );
    return { transferId, balance: done.state.balance, position: positionOf(done) };
  }
}
