import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiExtraModels, ApiOkResponse, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import { READ_MODEL_STORE, type ReadModelStore } from '@zan/read-models';
import { ApiProblems } from '../../http/openapi';
import { AFTER_QUERY, READ_PROBLEMS } from '../../http/query-params';
import { requireId } from '../../http/validation';
import { ReadYourWrites } from '../../queries/read-your-writes';
import { ArticleEarningsDoc, EarningsDoc } from './read-earnings.dto';

/** An author's tip earnings as the read models hold them (eventually consistent; `?after=` waits for a write). */
@ApiTags('queries')
@ApiBearerAuth('bearer')
@Controller('v1')
export class ReadEarningsController {
  constructor(
    @Inject(READ_MODEL_STORE) private readonly store: ReadModelStore,
    private readonly readYourWrites: ReadYourWrites,
  ) {}

  @Get('authors/:authorId/earnings')
  @ApiOperation({ operationId: 'Queries_earnings', summary: "An author's tip earnings, in total and by article" })
  @ApiParam({ name: 'authorId', example: 'bob' })
  @ApiQuery(AFTER_QUERY)
  @ApiExtraModels(ArticleEarningsDoc)
  @ApiOkResponse({ type: EarningsDoc })
  @ApiProblems(...READ_PROBLEMS)
  async earnings(@Param('authorId') authorId: string, @Query('after') after?: string): Promise<EarningsDoc> {
    requireId(authorId, 'authorId');
    await this.readYourWrites.waitFor(after);
    return this.store.earnings(authorId);
  }
}
