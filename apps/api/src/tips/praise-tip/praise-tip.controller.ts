import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { type CommandContext, Ctx } from '../../command-path/command-context';
import { Idempotent } from '../../http/idempotent-route';
import { ApiProblems, MONEY_MOVING } from '../../http/openapi';
import { TipBody, TipPraisedDoc } from './praise-tip.dto';
import { PraiseTipCommand } from './praise-tip.handler';

@ApiTags('tips')
@ApiBearerAuth('bearer')
@Controller('v1/tips')
export class PraiseTipController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @HttpCode(201)
  // The tip's one effect is its append of the reader's wallet, with ids from the request: it takes the key too.
  @Idempotent({ claimedByAppend: true })
  @ApiOperation({ operationId: 'Tips_praise', summary: "Praise an author's article with a tip (TipPraised; the author is credited by TipReceived)" })
  @ApiCreatedResponse({ type: TipPraisedDoc })
  @ApiProblems(
    ...MONEY_MOVING,
    'insufficient-funds',
    'amount-out-of-range',
    'author-not-eligible',
    'self-payment',
    'daily-limit-exceeded',
    'annual-limit-exceeded',
    'article-not-found',
    'not-the-article-author',
  )
  praise(@Ctx() context: CommandContext, @Body() body: TipBody): Promise<TipPraisedDoc> {
    return this.commands.execute(new PraiseTipCommand(context, body.authorId, body.articleId, body.amount, body.message));
  }
}
