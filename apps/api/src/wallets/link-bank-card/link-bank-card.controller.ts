import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { type CommandContext, Ctx } from '../../command-path/command-context';
import { Idempotent } from '../../http/idempotent-route';
import { AUTHENTICATED, ApiProblems } from '../../http/openapi';
import { RateLimited } from '../../http/rate-limit';
import { CardLinkedDoc, LinkCardBody } from './link-bank-card.dto';
import { LinkBankCardCommand } from './link-bank-card.handler';

@ApiTags('wallets')
@ApiBearerAuth('bearer')
@Controller('v1/wallets')
export class LinkBankCardController {
  constructor(private readonly commands: CommandBus) {}

  @Post('me/cards')
  @HttpCode(201)
  @Idempotent({ optional: true })
  @RateLimited()
  @ApiOperation({
    operationId: 'Wallets_linkCard',
    summary: 'Link a bank card to your wallet (BankCardLinked); it is personal when its holder is the verified individual',
  })
  @ApiCreatedResponse({ type: CardLinkedDoc })
  @ApiProblems(
    ...AUTHENTICATED,
    'validation',
    'idempotency-key-invalid',
    'idempotency-key-reused',
    'request-in-progress',
    'card-already-linked',
    'card-limit-reached',
    'rate-limited',
  )
  linkCard(@Ctx() context: CommandContext, @Body() body: LinkCardBody): Promise<CardLinkedDoc> {
    return this.commands.execute(new LinkBankCardCommand(context, body.cardId, body.holderName));
  }
}
