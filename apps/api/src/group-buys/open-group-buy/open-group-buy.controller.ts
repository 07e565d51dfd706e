import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { type CommandContext, Ctx } from '../../command-path/command-context';
import { AUTHENTICATED, ApiProblems } from '../../http/openapi';
import { Idempotent } from '../../http/idempotent-route';
import { requireProductId } from '../../products/product-id';
import { GroupBuyOpenedDoc, OpenGroupBuyBody } from './open-group-buy.dto';
import { OpenGroupBuyCommand } from './open-group-buy.handler';
import { RateLimited } from '../../http/rate-limit';

@ApiTags('merchants')
@ApiBearerAuth('bearer')
@Controller('v1/merchants/me/group-buys')
export class OpenGroupBuyController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @RateLimited()
  @HttpCode(201)
  @Idempotent({ optional: true })
  @ApiOperation({ summary: 'Open a group buy on one of your products (GroupBuyOpened): filled by the deadline it completes, else every member is refunded' })
  @ApiCreatedResponse({ type: GroupBuyOpenedDoc })
  @ApiProblems(
    ...AUTHENTICATED,
    'validation',
    'not-a-merchant',
    'product-not-found',
    'product-delisted',
    'sold-out',
    'idempotency-key-invalid',
    'idempotency-key-reused',
    'request-in-progress',
    'rate-limited',
  )
  open(@Ctx() context: CommandContext, @Body() body: OpenGroupBuyBody): Promise<GroupBuyOpenedDoc> {
    requireProductId(body.productId);
    return this.commands.execute(new OpenGroupBuyCommand(context, body.productId, body.groupPrice, body.groupSize, body.expiresInSeconds));
  }
}
