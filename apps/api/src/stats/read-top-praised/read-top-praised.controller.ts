import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { READ_MODEL_STORE, type ReadModelStore } from '@zan/read-models';
import { AdminOnly } from '../../auth/auth.guard';
import { AUTHENTICATED, ApiProblems } from '../../http/openapi';
import { pageSize } from '../../http/query-params';
import { StatsRangeQuery, type StatsRange } from '../stats-range';
import { TopArticlesDoc, TopAuthorsDoc } from './read-top-praised.dto';

const LIMIT = { name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 100, default: 10 } } as const;

/** The authors and articles that earned most in tips over a range of Beijing days. */
@ApiTags('admin: stats')
@ApiBearerAuth('bearer')
@AdminOnly()
@Controller('v1/admin/stats')
export class ReadTopPraisedController {
  constructor(@Inject(READ_MODEL_STORE) private readonly store: ReadModelStore) {}

  @Get('top-authors')
  @ApiOperation({ summary: 'Authors by tips received in the range, highest first (admin only)' })
  @ApiQuery(LIMIT)
  @ApiOkResponse({ type: TopAuthorsDoc })
  @ApiProblems(...AUTHENTICATED, 'forbidden', 'validation', 'read-model-behind')
  async authors(@StatsRangeQuery('day') range: StatsRange, @Query('limit') limit?: string) {
    const size = pageSize(limit, 10, 100);
    const top = await this.store.statsTop({ kind: 'authors', ...range, limit: size });
    return { ...range, items: top.map(({ id, amount }) => ({ authorId: id, amount })) };
  }

  @Get('top-articles')
  @ApiOperation({ summary: 'Articles by tips received in the range, highest first, with their titles (admin only)' })
  @ApiQuery(LIMIT)
  @ApiOkResponse({ type: TopArticlesDoc })
  @ApiProblems(...AUTHENTICATED, 'forbidden', 'validation', 'read-model-behind')
  async articles(@StatsRangeQuery('day') range: StatsRange, @Query('limit') limit?: string) {
    const size = pageSize(limit, 10, 100);
    const top = await this.store.statsTop({ kind: 'articles', ...range, limit: size });
    const articles = await Promise.all(top.map(({ id }) => this.store.article(id)));
    return {
      ...range,
      items: top.map(({ id, amount }, i) => {
        const article = articles[i];
        return { articleId: id, ...(article ? { title: article.title, authorId: article.authorId } : {}), amount };
      }),
    };
  }
}
