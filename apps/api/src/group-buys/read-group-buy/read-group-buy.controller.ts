import { Controller, Get, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { GroupBuyNotFound } from '@zan/domain';
import { GroupBuyStreams } from '../../command-path/group-buy-streams';
import { ApiProblems, AUTHENTICATED } from '../../http/openapi';
import { requireGroupBuyId } from '../group-buy-id';
import { GroupBuyDoc } from './read-group-buy.dto';

/**
 * A group buy, read from its own stream's state (cached by the command path, so read after write): a
 * group is one small stream, and who may join depends on exactly this state.
 */
@ApiTags('queries')
@ApiBearerAuth('bearer')
@Controller('v1/group-buys')
export class ReadGroupBuyController {
  constructor(private readonly groupBuys: GroupBuyStreams) {}

  @Get(':id')
  @ApiOperation({ operationId: 'Queries_groupBuy', summary: 'A group buy: its members so far and its status' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: GroupBuyDoc })
  @ApiProblems(...AUTHENTICATED, 'group-buy-not-found')
  async groupBuy(@Param('id') id: string): Promise<GroupBuyDoc> {
    requireGroupBuyId(id);
    const state = (await this.groupBuys.load(id)).state;
    if (state.status === 'none') throw new GroupBuyNotFound(`no group buy ${id}`);
    const { groupBuyId, productId, groupPrice, groupSize, status, expiresAt } = state;
    return { groupBuyId, productId, groupPrice, groupSize, members: state.members.length, status, expiresAt };
  }
}
