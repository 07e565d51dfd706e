import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { CommandContext } from '../command-path/command-context';
import { CardPaymentBody, LinkCardBody, OpenWalletBody } from '../http/dto';
import { AUTHENTICATED, ApiProblems, MONEY_MOVING } from '../http/openapi';
import { RateLimited } from '../http/rate-limit';
import { Ctx } from '../http/request-context';
import { CardLinkedDoc, FundedDoc, WalletOpenedDoc, WithdrawnDoc } from '../http/responses';
import { Idempotent } from '../idempotency/idempotency.interceptor';
import { FundWalletCommand, LinkBankCardCommand, OpenWalletCommand, WithdrawFundsCommand } from './wallet.commands';

@ApiTags('wallets')
@ApiBearerAuth('bearer')
@Controller('v1/wallets')
export class WalletsController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @HttpCode(201)
  @Idempotent({ optional: true })
  @ApiOperation({ summary: 'Open your wallet (WalletOpened)' })
  @ApiCreatedResponse({ type: WalletOpenedDoc })
  @ApiProblems(...AUTHENTICATED, 'validation', 'idempotency-key-invalid', 'idempotency-key-reused', 'request-in-progress', 'wallet-already-open')
  open(@Ctx() context: CommandContext, @Body() body: OpenWalletBody) {
    return this.commands.execute(new OpenWalletCommand(context, body.kind));
  }

  @Post('me/cards')
  @HttpCode(201)
  @Idempotent({ optional: true })
  @RateLimited()
  @ApiOperation({ summary: 'Link a bank card to your wallet (BankCardLinked); it is personal when its holder is the verified individual' })
  @ApiCreatedResponse({ type: CardLinkedDoc })
  @ApiProblems(...AUTHENTICATED, 'validation', 'idempotency-key-invalid', 'idempotency-key-reused', 'request-in-progress', 'card-already-linked', 'card-limit-reached', 'rate-limited')
  linkCard(@Ctx() context: CommandContext, @Body() body: LinkCardBody) {
    return this.commands.execute(new LinkBankCardCommand(context, body.cardId, body.holderName));
  }

  @Post('me/fundings')
  @HttpCode(201)
  @Idempotent()
  @ApiOperation({ summary: 'Fund your wallet from a linked card (WalletFunded)' })
  @ApiCreatedResponse({ type: FundedDoc })
  @ApiProblems(...MONEY_MOVING, 'card-not-linked', 'amount-out-of-range')
  fund(@Ctx() context: CommandContext, @Body() body: CardPaymentBody) {
    return this.commands.execute(new FundWalletCommand(context, body.cardId, body.amount));
  }

  @Post('me/withdrawals')
  @HttpCode(201)
  @Idempotent()
  @ApiOperation({ summary: 'Withdraw to a linked card (WalletWithdrawn)' })
  @ApiCreatedResponse({ type: WithdrawnDoc })
  @ApiProblems(...MONEY_MOVING, 'verification-required', 'card-not-linked', 'insufficient-funds', 'amount-out-of-range', 'daily-limit-exceeded')
  withdraw(@Ctx() context: CommandContext, @Body() body: CardPaymentBody) {
    return this.commands.execute(new WithdrawFundsCommand(context, body.cardId, body.amount));
  }
}
