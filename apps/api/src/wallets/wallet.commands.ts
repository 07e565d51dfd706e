import { Command } from '@nestjs/cqrs';
import type { WalletKind } from '@zan/contracts';
import type { CommandContext } from '../command-path/command-context';

export interface WalletAnswer {
  userId: string;
  kind: WalletKind;
  balance: number;
  currency: 'CNY';
  position: string;
}

export class OpenWalletCommand extends Command<WalletAnswer> {
  constructor(readonly context: CommandContext, readonly kind: WalletKind) {
    super();
  }
}

export class LinkBankCardCommand extends Command<{ userId: string; cardId: string; personal: boolean; position: string }> {
  constructor(readonly context: CommandContext, readonly cardId: string, readonly holderName: string) {
    super();
  }
}

export class FundWalletCommand extends Command<{ fundingId: string; balance: number; position: string }> {
  constructor(readonly context: CommandContext, readonly cardId: string, readonly amount: number) {
    super();
  }
}

export class WithdrawFundsCommand extends Command<{ withdrawalId: string; balance: number; position: string }> {
  constructor(readonly context: CommandContext, readonly cardId: string, readonly amount: number) {
    super();
  }
}

export class TransferFundsCommand extends Command<{ transferId: string; balance: number; position: string }> {
  constructor(
    readonly context: CommandContext,
    readonly toUserId: string,
    readonly amount: number,
    readonly note: string | undefined,
  ) {
    super();
  }
}
