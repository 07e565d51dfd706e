import { Controller, HttpCode, Param, Post, Req } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiCreatedResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { type CommandContext, Ctx } from '../../command-path/command-context';
import { Idempotent } from '../../http/idempotent-route';
import { ApiProblems, MONEY_MOVING } from '../../http/openapi';
import { requireNoBody } from '../../http/validation';
import { requireRedPacketId } from '../red-packet-id';
import { RedPacketClaimedDoc } from './claim-red-packet.dto';
import { ClaimRedPacketCommand } from './claim-red-packet.handler';
import { ClaimRefusedUpFront } from './claim-red-packet.refusal';

@ApiTags('red packets')
@ApiBearerAuth('bearer')
@Controller('v1/red-packets')
export class ClaimRedPacketController {
  constructor(private readonly commands: CommandBus) {}

  @Post(':id/claims')
  @HttpCode(201)
  @Idempotent({ refusedUpFront: ClaimRefusedUpFront })
  @ApiOperation({
    operationId: 'RedPackets_claim',
    summary: 'Claim a share of a red packet (RedPacketClaimed; your wallet is credited by RedPacketShareReceived)',
  })
  @ApiParam({ name: 'id', format: 'uuid', description: 'The red packet id' })
  @ApiCreatedResponse({ type: RedPacketClaimedDoc })
  @ApiProblems(...MONEY_MOVING, 'red-packet-not-found', 'not-a-recipient', 'red-packet-already-claimed', 'red-packet-gone')
  claim(@Ctx() context: CommandContext, @Param('id') id: string, @Req() request: FastifyRequest): Promise<RedPacketClaimedDoc> {
    requireRedPacketId(id);
    requireNoBody(request.body);
    return this.commands.execute(new ClaimRedPacketCommand(context, id));
  }
}
