import { Controller, Get, Inject, Param, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import { InvalidFeedCursor, READ_MODEL_STORE, type ReadModelStore } from '@zan/read-models';
import { CurrentUser, type Principal } from '../../auth/auth.guard';
import { AUTHENTICATED, ApiProblems } from '../../http/openapi';
import { ProblemException, problem } from '../../http/problem';
import { pageSize } from '../../http/query-params';
import { badRequest } from '../../http/validation';
import { ReadYourWrites } from '../../queries/read-your-writes';
import { requireArticleId } from '../article-id';
import { ArticleDoc, PraiserDoc } from './read-article.dto';

/** The cursor of the next (older) page, when there is one: the contract's answer is a bare list. */
export const NEXT_CURSOR_HEADER = 'Zan-Next-Cursor';

const AFTER = 'A position from a command answer: wait (up to 5 s, else 503 with Retry-After) until the read models have applied it';
const READ = [...AUTHENTICATED, 'validation', 'read-model-behind'];

const notFound = (id: string) => new ProblemException(problem(404, 'article-not-found', 'Article not found', `no article ${id}`));

/** An article's praise as readers see it (read models: eventually consistent, `?after=` to read a write). */
@ApiTags('articles')
@ApiBearerAuth('bearer')
@Controller('v1/articles')
export class ReadArticleController {
  constructor(
    @Inject(READ_MODEL_STORE) private readonly store: ReadModelStore,
    private readonly readYourWrites: ReadYourWrites,
  ) {}

  @Get(':id')
  @ApiOperation({ summary: 'An article: its likes and tips, and whether you like it' })
  @ApiParam({ name: 'id', example: 'why-zan' })
  @ApiQuery({ name: 'after', required: false, type: String, description: AFTER, example: '74800000' })
  @ApiOkResponse({ type: ArticleDoc })
  @ApiProblems(...READ, 'article-not-found')
  async article(@CurrentUser() user: Principal, @Param('id') id: string, @Query('after') after?: string) {
    requireArticleId(id);
    await this.readYourWrites.waitFor(after);
    const view = await this.store.article(id, user.userId);
    if (!view) throw notFound(id);
    return view;
  }

  @Get(':id/praisers')
  @ApiOperation({ summary: "An article's praisers, newest first: likes standing now (amount 0) and every tip" })
  @ApiParam({ name: 'id', example: 'why-zan' })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } })
  @ApiQuery({ name: 'before', required: false, type: String, description: `The ${NEXT_CURSOR_HEADER} header of the previous page` })
  @ApiQuery({ name: 'after', required: false, type: String, description: AFTER, example: '74800000' })
  @ApiOkResponse({
    type: [PraiserDoc],
    description: 'Newest first: the likes standing now (amount 0) and every tip',
    headers: {
      [NEXT_CURSOR_HEADER]: {
        description: 'Pass as `?before=` for older praisers; absent on the last page',
        schema: { type: 'string', example: 'NzQ4MDAwMDA' },
      },
    },
  })
  @ApiProblems(...READ, 'article-not-found')
  async praisers(
    @Res({ passthrough: true }) response: FastifyReply,
    @Param('id') id: string,
    @Query('limit') limit?: string,
    @Query('before') before?: string,
    @Query('after') after?: string,
  ) {
    requireArticleId(id);
    const size = pageSize(limit, 20, 100);
    if (before !== undefined && !/^[A-Za-z0-9_-]{1,64}$/.test(before)) throw badRequest('before', 'must be a cursor from a previous page');
    await this.readYourWrites.waitFor(after);
    if (!(await this.store.article(id))) throw notFound(id);
    try {
      const page = await this.store.praisers(id, { limit: size, before });
      if (page.nextCursor !== undefined) response.header(NEXT_CURSOR_HEADER, page.nextCursor);
      return page.items;
    } catch (error) {
      if (error instanceof InvalidFeedCursor) throw badRequest('before', 'must be a cursor from a previous page');
      throw error;
    }
  }
}
