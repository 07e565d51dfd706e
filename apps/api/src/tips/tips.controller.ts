import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { CommandContext } from '../command-path/command-context';
import { TipBody } from '../http/dto';
import { ApiProblems, MONEY_MOVING } from '../http/openapi';
import { Ctx } from '../http/request-context';
import { TipPraisedDoc } from '../http/responses';
import { Idempotent } from '../idempotency/idempotency.interceptor';
import { PraiseTipCommand } from './tip.commands';

@ApiTags('tips')
@ApiBearerAuth('bearer')
@Controller('v1/tips')
export class TipsController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @HttpCode(201)
  @Idempotent()
  @ApiOperation({ summary: "Praise an author's article with a tip (TipPraised; the author is credited by TipReceived)" })
  @ApiCreatedResponse({ type: TipPraisedDoc })
  @ApiProblems(...MONEY_MOVING, 'insufficient-funds', 'amount-out-of-range', 'author-not-eligible', 'self-payment', 'daily-limit-exceeded', 'article-not-found', 'not-the-article-author')
  praise(@Ctx() context: CommandContext, @Body() body: TipBody) {
    return this.commands.execute(new PraiseTipCommand(context, body.authorId, body.articleId, body.amount, body.message));
  }
}
