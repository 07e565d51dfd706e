import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { InvalidFeedCursor, READ_MODEL_STORE, type ReadModelStore } from '@zan/read-models';
import { CurrentUser, type Principal } from '../../auth/auth.guard';
import { ApiProblems } from '../../http/openapi';
import { AFTER_QUERY, READ_PROBLEMS, pageSize } from '../../http/query-params';
import { badRequest } from '../../http/validation';
import { ReadYourWrites } from '../../queries/read-your-writes';
import { FeedPageDoc } from './read-feed.dto';

/** Your wallet's activity as the read models hold it (eventually consistent; `?after=` waits for a write). */
@ApiTags('queries')
@ApiBearerAuth('bearer')
@Controller('v1')
export class ReadFeedController {
  constructor(
    @Inject(READ_MODEL_STORE) private readonly store: ReadModelStore,
    private readonly readYourWrites: ReadYourWrites,
  ) {}

  @Get('feeds/me')
  @ApiOperation({ operationId: 'Queries_feed', summary: 'Your activity, newest first' })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } })
  @ApiQuery({ name: 'before', required: false, type: String, description: 'The nextCursor of the previous page' })
  @ApiQuery(AFTER_QUERY)
  @ApiOkResponse({ type: FeedPageDoc })
  @ApiProblems(...READ_PROBLEMS)
  async feed(
    @CurrentUser() user: Principal,
    @Query('limit') limit?: string,
    @Query('before') before?: string,
    @Query('after') after?: string,
  ): Promise<FeedPageDoc> {
    const size = pageSize(limit, 20, 100);
    if (before !== undefined && !/^[A-Za-z0-9_.:-]{1,64}$/.test(before)) throw badRequest('before', 'must be a cursor from a previous page');
    await this.readYourWrites.waitFor(after);
    try {
      return await this.store.feed(user.userId, { limit: size, before });
    } catch (error) {
      if (error instanceof InvalidFeedCursor) throw badRequest('before', 'must be a cursor from a previous page');
      throw error;
    }
  }
}
