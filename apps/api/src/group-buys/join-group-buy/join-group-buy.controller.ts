import { Controller, HttpCode, Param, Post, Req } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiCreatedResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { type CommandContext, Ctx } from '../../command-path/command-context';
import { Idempotent } from '../../http/idempotent-route';
import { ApiProblems, MONEY_MOVING } from '../../http/openapi';
import { requireNoBody } from '../../http/validation';
import { requireGroupBuyId } from '../group-buy-id';
import { GroupBuyJoinedDoc } from './join-group-buy.dto';
import { JoinGroupBuyCommand } from './join-group-buy.handler';

@ApiTags('group buys')
@ApiBearerAuth('bearer')
@Controller('v1/group-buys')
export class JoinGroupBuyController {
  constructor(private readonly commands: CommandBus) {}

  @Post(':id/joins')
  @HttpCode(201)
  @Idempotent()
  @ApiOperation({
    operationId: 'GroupBuys_join',
    summary: 'Join a group buy: the group price is held from your wallet (GroupBuyFundsHeld) until the group completes or fails',
  })
  @ApiParam({ name: 'id', format: 'uuid', description: 'The group buy id' })
  @ApiCreatedResponse({ type: GroupBuyJoinedDoc })
  @ApiProblems(
    ...MONEY_MOVING,
    'group-buy-not-found',
    'already-joined',
    'group-buy-full',
    'group-buy-closed',
    'product-delisted',
    'not-a-merchant',
    'insufficient-funds',
    'amount-out-of-range',
    'daily-limit-exceeded',
    'annual-limit-exceeded',
    'self-payment',
  )
  join(@Ctx() context: CommandContext, @Param('id') id: string, @Req() request: FastifyRequest): Promise<GroupBuyJoinedDoc> {
    requireGroupBuyId(id);
    requireNoBody(request.body);
    return this.commands.execute(new JoinGroupBuyCommand(context, id));
  }
}
