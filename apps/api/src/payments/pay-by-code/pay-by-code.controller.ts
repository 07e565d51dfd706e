import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems, MONEY_MOVING } from '../../http/openapi';
import { type CommandContext, Ctx } from '../../command-path/command-context';
import { Idempotent } from '../../http/idempotent-route';
import { MerchantPaidDoc, PayByCodeBody } from './pay-by-code.dto';
import { PayByCodeCommand } from './pay-by-code.handler';

@ApiTags('payments')
@ApiBearerAuth('bearer')
@Controller('v1/payments')
export class PayByCodeController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @HttpCode(201)
  @Idempotent()
  @ApiOperation({
    summary:
      "Pay a merchant's payment code (MerchantPaid; the merchant is credited by MerchantPaymentReceived). A dynamic code pays once and not after it expires (410)",
  })
  @ApiCreatedResponse({ type: MerchantPaidDoc })
  @ApiProblems(
    ...MONEY_MOVING,
    'payment-code-not-found',
    'payment-code-gone',
    'amount-required',
    'amount-mismatch',
    'self-payment',
    'not-a-merchant',
    'insufficient-funds',
    'amount-out-of-range',
    'daily-limit-exceeded',
    'annual-limit-exceeded',
  )
  pay(@Ctx() context: CommandContext, @Body() body: PayByCodeBody): Promise<MerchantPaidDoc> {
    return this.commands.execute(new PayByCodeCommand(context, body.code, body.amount));
  }
}
