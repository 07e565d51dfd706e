import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { CommandContext } from '../command-path/command-context';
import { CardPaymentBody, LinkCardBody, OpenWalletBody } from '../http/dto';
import { Ctx } from '../http/request-context';
import { Idempotent } from '../idempotency/idempotency.interceptor';
import { FundWalletCommand, LinkBankCardCommand, OpenWalletCommand, WithdrawFundsCommand } from './wallet.commands';

@Controller('v1/wallets')
export class WalletsController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @HttpCode(201)
  @Idempotent({ optional: true })
  open(@Ctx() context: CommandContext, @Body() body: OpenWalletBody) {
    return this.commands.execute(new OpenWalletCommand(context, body.kind));
  }

  @Post('me/cards')
  @HttpCode(201)
  @Idempotent({ optional: true })
  linkCard(@Ctx() context: CommandContext, @Body() body: LinkCardBody) {
    return this.commands.execute(new LinkBankCardCommand(context, body.cardId, body.personal));
  }

  @Post('me/fundings')
  @HttpCode(201)
  @Idempotent()
  fund(@Ctx() context: CommandContext, @Body() body: CardPaymentBody) {
    return this.commands.execute(new FundWalletCommand(context, body.cardId, body.amount));
  }

  @Post('me/withdrawals')
  @HttpCode(201)
  @Idempotent()
  withdraw(@Ctx() context: CommandContext, @Body() body: CardPaymentBody) {
    return this.commands.execute(new WithdrawFundsCommand(context, body.cardId, body.amount));
  }
}
