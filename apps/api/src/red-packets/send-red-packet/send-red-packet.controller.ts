import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { type CommandContext, Ctx } from '../../command-path/command-context';
import { Idempotent } from '../../http/idempotent-route';
import { ApiProblems, MONEY_MOVING } from '../../http/openapi';
import { RedPacketBody, RedPacketSentDoc } from './send-red-packet.dto';
import { SendRedPacketCommand } from './send-red-packet.handler';

@ApiTags('red packets')
@ApiBearerAuth('bearer')
@Controller('v1/red-packets')
export class SendRedPacketController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @HttpCode(201)
  @Idempotent()
  @ApiOperation({ operationId: 'RedPackets_send', summary: 'Send a red packet (RedPacketSent); unclaimed shares go back after 24 h' })
  @ApiCreatedResponse({ type: RedPacketSentDoc })
  @ApiProblems(...MONEY_MOVING, 'insufficient-funds', 'amount-out-of-range', 'invalid-red-packet', 'daily-limit-exceeded', 'annual-limit-exceeded')
  send(@Ctx() context: CommandContext, @Body() body: RedPacketBody): Promise<RedPacketSentDoc> {
    return this.commands.execute(new SendRedPacketCommand(context, body.amount, body.shares, body.mode, body.greeting, body.recipients));
  }
}
