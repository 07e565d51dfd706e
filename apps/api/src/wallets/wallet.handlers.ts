import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CURRENCY } from '@zan/contracts';
import { wallet } from '@zan/domain';
import { maskName } from '@zan/platform';
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
import { Verifications } from '../verification/verifications';

const { isPersonalHolder } = wallet;

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

/**
 * The holder's name never reaches the event log: masked, and hashed under the install's key. The card
 * is personal when that hash is the verified individual's name hash (decided, not declared).
 */
@CommandHandler(LinkBankCardCommand)
export class LinkBankCardHandler implements ICommandHandler<LinkBankCardCommand> {
  constructor(
    private readonly wallets: WalletStreams,
    private readonly verifications: Verifications,
  ) {}

  async execute({ context, cardId, holderName }: LinkBankCardCommand) {
    const { userId } = context;
    const holderNameHash = this.verifications.nameHash(holderName);
    const done = await this.wallets.decide(
      userId,
      { type: 'LinkBankCard', data: { userId, cardId, holderName: maskName(holderName), holderNameHash } },
      context,
      commandIdOf(context),
    );
    const personal = done.state.cards.get(cardId)?.holderNameHash === holderNameHash && isPersonalHolder(done.state, holderNameHash);
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
