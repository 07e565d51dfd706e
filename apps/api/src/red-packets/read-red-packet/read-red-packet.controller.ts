import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import { READ_MODEL_STORE, type ReadModelStore } from '@zan/read-models';
import { ApiProblems } from '../../http/openapi';
import { ProblemException, problem } from '../../http/problem';
import { AFTER_QUERY, READ_PROBLEMS } from '../../http/query-params';
import { ReadYourWrites } from '../../queries/read-your-writes';
import { requireRedPacketId } from '../red-packet-id';
import { RedPacketDoc } from './read-red-packet.dto';

/** A red packet as the read models hold it (eventually consistent; `?after=` waits for a write). */
@ApiTags('queries')
@ApiBearerAuth('bearer')
@Controller('v1')
export class ReadRedPacketController {
  constructor(
    @Inject(READ_MODEL_STORE) private readonly store: ReadModelStore,
    private readonly readYourWrites: ReadYourWrites,
  ) {}

  @Get('red-packets/:id')
  @ApiOperation({ operationId: 'Queries_redPacket', summary: 'A red packet: its claims, what remains and its status' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiQuery(AFTER_QUERY)
  @ApiOkResponse({ type: RedPacketDoc })
  @ApiProblems(...READ_PROBLEMS, 'red-packet-not-found')
  async redPacket(@Param('id') id: string, @Query('after') after?: string): Promise<RedPacketDoc> {
    requireRedPacketId(id);
    await this.readYourWrites.waitFor(after);
    const view = await this.store.redPacket(id);
    if (!view) throw new ProblemException(problem(404, 'red-packet-not-found', 'Red packet not found', `no red packet ${id}`));
    return view;
  }
}
