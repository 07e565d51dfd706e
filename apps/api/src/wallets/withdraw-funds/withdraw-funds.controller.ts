import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { type CommandContext, Ctx } from '../../command-path/command-context';
import { Idempotent } from '../../http/idempotent-route';
import { ApiProblems, MONEY_MOVING } from '../../http/openapi';
import { CardPaymentBody } from '../card-payment.dto';
import { WithdrawnDoc } from './withdraw-funds.dto';
import { WithdrawFundsCommand } from './withdraw-funds.handler';

@ApiTags('wallets')
@ApiBearerAuth('bearer')
@Controller('v1/wallets')
export class WithdrawFundsController {
  constructor(private readonly commands: CommandBus) {}

  @Post('me/withdrawals')
  @HttpCode(201)
  @Idempotent()
  @ApiOperation({ operationId: 'Wallets_withdraw', summary: 'Withdraw to a linked card (WalletWithdrawn)' })
  @ApiCreatedResponse({ type: WithdrawnDoc })
  @ApiProblems(
    ...MONEY_MOVING,
    'verification-required',
    'card-not-linked',
    'insufficient-funds',
    'amount-out-of-range',
    'daily-limit-exceeded',
    'annual-limit-exceeded',
  )
  withdraw(@Ctx() context: CommandContext, @Body() body: CardPaymentBody): Promise<WithdrawnDoc> {
    return this.commands.execute(new WithdrawFundsCommand(context, body.cardId, body.amount));
  }
}
