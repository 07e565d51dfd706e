import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { type CommandContext, Ctx } from '../../command-path/command-context';
import { Idempotent } from '../../http/idempotent-route';
import { ApiProblems, MONEY_MOVING } from '../../http/openapi';
import { TransferBody, TransferredDoc } from './transfer-funds.dto';
import { TransferFundsCommand } from './transfer-funds.handler';

@ApiTags('transfers')
@ApiBearerAuth('bearer')
@Controller('v1/transfers')
export class TransferFundsController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @HttpCode(201)
  @Idempotent()
  @ApiOperation({ operationId: 'Transfers_transfer', summary: 'Pay another user (FundsTransferred; the payee is credited by TransferReceived)' })
  @ApiCreatedResponse({ type: TransferredDoc })
  @ApiProblems(
    ...MONEY_MOVING,
    'wallet-not-found',
    'insufficient-funds',
    'amount-out-of-range',
    'self-payment',
    'daily-limit-exceeded',
    'annual-limit-exceeded',
  )
  transfer(@Ctx() context: CommandContext, @Body() body: TransferBody): Promise<TransferredDoc> {
    return this.commands.execute(new TransferFundsCommand(context, body.toUserId, body.amount, body.note));
  }
}
