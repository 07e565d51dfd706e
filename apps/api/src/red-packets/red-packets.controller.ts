import { Body, Controller, HttpCode, Param, Post, Req } from '@nestjs/common';
import type { Request } from 'express';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiCreatedResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { CommandContext } from '../command-path/command-context';
import { RedPacketBody } from '../http/dto';
import { ApiProblems, MONEY_MOVING } from '../http/openapi';
import { Ctx } from '../http/request-context';
import { requireNoBody, requireRedPacketId } from '../http/validation';
import { RedPacketClaimedDoc, RedPacketSentDoc } from '../http/responses';
import { Idempotent } from '../idempotency/idempotency.interceptor';
import { ClaimRedPacketCommand, SendRedPacketCommand } from './red-packet.commands';


@ApiTags('red packets')
@ApiBearerAuth('bearer')
@Controller('v1/red-packets')
export class RedPacketsController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @HttpCode(201)
  @Idempotent()
  @ApiOperation({ summary: 'Send a red packet (RedPacketSent); unclaimed shares go back after 24 h' })
  @ApiCreatedResponse({ type: RedPacketSentDoc })
  @ApiProblems(...MONEY_MOVING, 'insufficient-funds', 'amount-out-of-range', 'invalid-red-packet', 'daily-limit-exceeded')
  send(@Ctx() context: CommandContext, @Body() body: RedPacketBody) {
    return this.commands.execute(
      new SendRedPacketCommand(context, body.amount, body.shares, body.mode, body.greeting, body.recipients),
    );
  }

  @Post(':id/claims')
  @HttpCode(201)
  @Idempotent()
  @ApiOperation({ summary: 'Claim a share of a red packet (RedPacketClaimed; your wallet is credited by RedPacketShareReceived)' })
  @ApiParam({ name: 'id', format: 'uuid', description: 'The red packet id' })
  @ApiCreatedResponse({ type: RedPacketClaimedDoc })
  @ApiProblems(...MONEY_MOVING, 'red-packet-not-found', 'not-a-recipient', 'red-packet-already-claimed', 'red-packet-gone')
  claim(@Ctx() context: CommandContext, @Param('id') id: string, @Req() request: Request) {
    requireRedPacketId(id);
    requireNoBody(request.body);
    return this.commands.execute(new ClaimRedPacketCommand(context, id));
  }
}
