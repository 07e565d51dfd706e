import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { READ_MODEL_STORE, type ReadModelStore } from '@zan/read-models';
import { ApiProblems } from '../../http/openapi';
import { AFTER_QUERY, READ_PROBLEMS, pageSize } from '../../http/query-params';
import { ReadYourWrites } from '../../queries/read-your-writes';
import { LeaderboardEntryDoc } from './read-leaderboard.dto';

/** Authors by tip earnings, as the read models hold them (eventually consistent; `?after=` waits for a write). */
@ApiTags('queries')
@ApiBearerAuth('bearer')
@Controller('v1')
export class ReadLeaderboardController {
  constructor(
    @Inject(READ_MODEL_STORE) private readonly store: ReadModelStore,
    private readonly readYourWrites: ReadYourWrites,
  ) {}

  @Get('leaderboards/authors')
  @ApiOperation({ operationId: 'Queries_leaderboard', summary: 'Authors by tip earnings, highest first' })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 100, default: 10 } })
  @ApiQuery(AFTER_QUERY)
  @ApiOkResponse({ type: [LeaderboardEntryDoc] })
  @ApiProblems(...READ_PROBLEMS)
  async leaderboard(@Query('limit') limit?: string, @Query('after') after?: string): Promise<LeaderboardEntryDoc[]> {
    const size = pageSize(limit, 10, 100);
    await this.readYourWrites.waitFor(after);
    return this.store.leaderboard(size);
  }
}
