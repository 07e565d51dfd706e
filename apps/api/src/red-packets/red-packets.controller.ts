import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { RedPacketNotFound } from '@zan/domain';
import type { CommandContext } from '../command-path/command-context';
import { RedPacketBody } from '../http/dto';
import { Ctx } from '../http/request-context';
import { Idempotent } from '../idempotency/idempotency.interceptor';
import { ClaimRedPacketCommand, SendRedPacketCommand } from './red-packet.commands';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

@Controller('v1/red-packets')
export class RedPacketsController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @HttpCode(201)
  @Idempotent()
  send(@Ctx() context: CommandContext, @Body() body: RedPacketBody) {
    return this.commands.execute(
      new SendRedPacketCommand(context, body.amount, body.shares, body.mode, body.greeting, body.recipients),
    );
  }

  @Post(':id/claims')
  @HttpCode(201)
  @Idempotent()
  claim(@Ctx() context: CommandContext, @Param('id') id: string) {
    if (!UUID.test(id)) throw new RedPacketNotFound(`no red packet ${id.slice(0, 64)}`);
    return this.commands.execute(new ClaimRedPacketCommand(context, id));
  }
}
