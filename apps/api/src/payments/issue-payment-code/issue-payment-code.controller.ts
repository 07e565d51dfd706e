import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AUTHENTICATED, ApiProblems } from '../../http/openapi';
import { RateLimited } from '../../http/rate-limit';
import { type CommandContext, Ctx } from '../../command-path/command-context';
import { Idempotent } from '../../http/idempotent-route';
import { badRequest } from '../../http/validation';
import { IssuePaymentCodeBody, PaymentCodeIssuedDoc } from './issue-payment-code.dto';
import { IssuePaymentCodeCommand } from './issue-payment-code.handler';

@ApiTags('payments')
@ApiBearerAuth('bearer')
@Controller('v1/merchants/me/payment-codes')
export class IssuePaymentCodeController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @HttpCode(201)
  @Idempotent({ optional: true })
  // Every code is a stream: issuing counts against the per-user budget of money-moving requests.
  @RateLimited()
  @ApiOperation({
    summary:
      'Issue a payment code (PaymentCodeIssued): static without amount (the payer enters it), dynamic with one (single use, expiring). Merchants only: a verified business wallet',
  })
  @ApiCreatedResponse({ type: PaymentCodeIssuedDoc })
  @ApiProblems(
    ...AUTHENTICATED,
    'validation',
    'not-a-merchant',
    'amount-out-of-range',
    'idempotency-key-invalid',
    'idempotency-key-reused',
    'request-in-progress',
    'rate-limited',
  )
  issue(@Ctx() context: CommandContext, @Body() body: IssuePaymentCodeBody): Promise<PaymentCodeIssuedDoc> {
    // A body means what it says or is a 400 naming the field, before anything is decided or stored under the key.
    if (body.amount === undefined && body.expiresInSeconds !== undefined) {
      throw badRequest('expiresInSeconds', 'applies to dynamic codes only (give an amount)');
    }
    return this.commands.execute(new IssuePaymentCodeCommand(context, body.amount, body.expiresInSeconds, body.reference));
  }
}
