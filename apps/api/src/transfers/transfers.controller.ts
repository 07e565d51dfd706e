import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { CommandContext } from '../command-path/command-context';
import { TransferBody } from '../http/dto';
import { ApiProblems, MONEY_MOVING } from '../http/openapi';
import { Ctx } from '../http/request-context';
import { TransferredDoc } from '../http/responses';
import { Idempotent } from '../idempotency/idempotency.interceptor';
import { TransferFundsCommand } from '../wallets/wallet.commands';

@ApiTags('transfers')
@ApiBearerAuth('bearer')
@Controller('v1/transfers')
export class TransfersController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @HttpCode(201)
  @Idempotent()
  @ApiOperation({ summary: 'Pay another user (FundsTransferred; the payee is credited by TransferReceived)' })
  @ApiCreatedResponse({ type: TransferredDoc })
  @ApiProblems(...MONEY_MOVING, 'wallet-not-found', 'insufficient-funds', 'amount-out-of-range', 'self-payment', 'daily-limit-exceeded')
  transfer(@Ctx() context: CommandContext, @Body() body: TransferBody) {
    return this.commands.execute(new TransferFundsCommand(context, body.toUserId, body.amount, body.note));
  }
}
