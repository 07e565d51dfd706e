import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import { GroupBuyNotFound } from '@zan/domain';
import { READ_MODEL_STORE, type ReadModelStore } from '@zan/read-models';
import { ApiProblems } from '../../http/openapi';
import { AFTER_QUERY, READ_PROBLEMS } from '../../http/query-params';
import { ReadYourWrites } from '../../queries/read-your-writes';
import { requireGroupBuyId } from '../group-buy-id';
import { GroupBuyDoc } from './read-group-buy.dto';

/** A group buy as the read models hold it (eventually consistent; `?after=` waits for a write). */
@ApiTags('queries')
@ApiBearerAuth('bearer')
@Controller('v1/group-buys')
export class ReadGroupBuyController {
  constructor(
    @Inject(READ_MODEL_STORE) private readonly store: ReadModelStore,
    private readonly readYourWrites: ReadYourWrites,
  ) {}

  @Get(':id')
  @ApiOperation({ operationId: 'Queries_groupBuy', summary: 'A group buy: its members so far and its status' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiQuery(AFTER_QUERY)
  @ApiOkResponse({ type: GroupBuyDoc })
  @ApiProblems(...READ_PROBLEMS, 'group-buy-not-found')
  async groupBuy(@Param('id') id: string, @Query('after') after?: string): Promise<GroupBuyDoc> {
    requireGroupBuyId(id);
    await this.readYourWrites.waitFor(after);
    const view = await this.store.groupBuy(id);
    if (!view) throw new GroupBuyNotFound(`no group buy ${id}`);
    return view;
  }
}
