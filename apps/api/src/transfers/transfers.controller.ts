import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { CommandContext } from '../command-path/command-context';
import { TransferBody } from '../http/dto';
import { Ctx } from '../http/request-context';
import { Idempotent } from '../idempotency/idempotency.interceptor';
import { TransferFundsCommand } from '../wallets/wallet.commands';

@Controller('v1/transfers')
export class TransfersController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @HttpCode(201)
  @Idempotent()
  transfer(@Ctx() context: CommandContext, @Body() body: TransferBody) {
    return this.commands.execute(new TransferFundsCommand(context, body.toUserId, body.amount, body.note));
  }
}
