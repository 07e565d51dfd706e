import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { type CommandContext, Ctx } from '../../command-path/command-context';
import { Idempotent } from '../../http/idempotent-route';
import { ApiProblems, MONEY_MOVING } from '../../http/openapi';
import { CardPaymentBody } from '../card-payment.dto';
import { FundedDoc } from './fund-wallet.dto';
import { FundWalletCommand } from './fund-wallet.handler';

@ApiTags('wallets')
@ApiBearerAuth('bearer')
@Controller('v1/wallets')
export class FundWalletController {
  constructor(private readonly commands: CommandBus) {}

  @Post('me/fundings')
  @HttpCode(201)
  @Idempotent()
  @ApiOperation({ operationId: 'Wallets_fund', summary: 'Fund your wallet from a linked card (WalletFunded)' })
  @ApiCreatedResponse({ type: FundedDoc })
  @ApiProblems(...MONEY_MOVING, 'card-not-linked', 'amount-out-of-range')
  fund(@Ctx() context: CommandContext, @Body() body: CardPaymentBody): Promise<FundedDoc> {
    return this.commands.execute(new FundWalletCommand(context, body.cardId, body.amount));
  }
}
