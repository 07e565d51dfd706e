import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { CommandContext } from '../command-path/command-context';
import { TipBody } from '../http/dto';
import { Ctx } from '../http/request-context';
import { Idempotent } from '../idempotency/idempotency.interceptor';
import { PraiseTipCommand } from './tip.commands';

@Controller('v1/tips')
export class TipsController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @HttpCode(201)
  @Idempotent()
  praise(@Ctx() context: CommandContext, @Body() body: TipBody) {
    return this.commands.execute(new PraiseTipCommand(context, body.authorId, body.articleId, body.amount, body.message));
  }
}
