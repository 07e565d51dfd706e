import { Controller, Get, Inject, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { parseIsoDate } from '@zan/contracts';
import { InvalidFeedCursor, READ_MODEL_STORE, beijingDayOf, type ReadModelStore } from '@zan/read-models';
import { CLOCK, type Clock } from '@zan/platform';
import { CurrentUser, type Principal } from '../../auth/auth.guard';
import { AUTHENTICATED, ApiProblems } from '../../http/openapi';
import { pageSize } from '../../http/query-params';
import { badRequest } from '../../http/validation';
import { ReadYourWrites } from '../../queries/read-your-writes';
import { OrderDoc, SalesDoc } from './read-orders.dto';

/** The cursor of the next (older) page, as the praisers route gives it. */
const NEXT_CURSOR_HEADER = 'Zan-Next-Cursor';
const READ = [...AUTHENTICATED, 'validation', 'read-model-behind'];
const DAY = 86_400_000;
/** Most days one sales query answers. */
const MAX_SALES_DAYS = 366;

const PAGED = () => (target: object, key: string | symbol, descriptor: PropertyDescriptor) => {
  ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } })(target, key, descriptor);
  ApiQuery({ name: 'before', required: false, type: String, description: `The ${NEXT_CURSOR_HEADER} header of the previous page` })(target, key, descriptor);
  ApiQuery({ name: 'after', required: false, type: String, description: 'A position from a command answer: wait until the read models have applied it' })(
    target,
    key,
    descriptor,
  );
  ApiOkResponse({
    type: [OrderDoc],
    description: 'Newest first',
    headers: { [NEXT_CURSOR_HEADER]: { description: 'Pass as `?before=` for older orders; absent on the last page', schema: { type: 'string' } } },
  })(target, key, descriptor);
};

@ApiTags('orders')
@ApiBearerAuth('bearer')
@Controller('v1')
export class ReadOrdersController {
  constructor(
    @Inject(READ_MODEL_STORE) private readonly store: ReadModelStore,
    private readonly readYourWrites: ReadYourWrites,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get('orders/me')
  @ApiOperation({ summary: 'Your orders as a buyer, newest first' })
  @PAGED()
  @ApiProblems(...READ)
  mine(
    @CurrentUser() user: Principal,
    @Res({ passthrough: true }) response: FastifyReply,
    @Query('limit') limit?: string,
    @Query('before') before?: string,
    @Query('after') after?: string,
  ) {
    return this.page({ buyerId: user.userId }, response, limit, before, after);
  }

  @Get('merchants/me/orders')
  @ApiOperation({ summary: 'The orders of your products, newest first' })
  @PAGED()
  @ApiProblems(...READ)
  sold(
    @CurrentUser() user: Principal,
    @Res({ passthrough: true }) response: FastifyReply,
    @Query('limit') limit?: string,
    @Query('before') before?: string,
    @Query('after') after?: string,
  ) {
    return this.page({ merchantId: user.userId }, response, limit, before, after);
  }

  @Get('merchants/me/sales')
  @ApiOperation({ summary: 'Your sales per Beijing calendar day: orders, gross, refunds, net (default: the last 30 days)' })
  @ApiQuery({ name: 'from', required: false, type: String, example: '2026-12-01', description: 'First day, YYYY-MM-DD (default: 29 days before `to`)' })
  @ApiQuery({
    name: 'to',
    required: false,
    type: String,
    example: '2026-12-06',
    description: `Last day, YYYY-MM-DD (default: today in Beijing); at most ${MAX_SALES_DAYS} days`,
  })
  @ApiQuery({ name: 'after', required: false, type: String })
  @ApiOkResponse({ type: SalesDoc })
  @ApiProblems(...READ)
  async sales(@CurrentUser() user: Principal, @Query('from') from?: string, @Query('to') to?: string, @Query('after') after?: string) {
    const last = to === undefined ? beijingDayOf(this.clock.now().toISOString()) : this.day('to', to);
    const first = from === undefined ? new Date(Date.parse(last) - 29 * DAY).toISOString().slice(0, 10) : this.day('from', from);
    if (first > last) throw badRequest('from', 'must not be after to');
    if ((Date.parse(last) - Date.parse(first)) / DAY >= MAX_SALES_DAYS) throw badRequest('from', `at most ${MAX_SALES_DAYS} days at once`);
    await this.readYourWrites.waitFor(after);
    return { days: await this.store.sales(user.userId, first, last) };
  }

  private day(field: string, text: string): string {
    if (typeof text !== 'string' || !parseIsoDate(text)) throw badRequest(field, 'must be a calendar day, YYYY-MM-DD');
    return text;
  }

  private async page(of: { buyerId: string } | { merchantId: string }, response: FastifyReply, limit?: string, before?: string, after?: string) {
    const size = pageSize(limit, 20, 100);
    if (before !== undefined && !/^[A-Za-z0-9_-]{1,64}$/.test(before)) throw badRequest('before', 'must be a cursor from a previous page');
    await this.readYourWrites.waitFor(after);
    try {
      const page = await this.store.orders(of, { limit: size, before });
      if (page.nextCursor !== undefined) response.header(NEXT_CURSOR_HEADER, page.nextCursor);
      return page.items;
    } catch (error) {
      if (error instanceof InvalidFeedCursor) throw badRequest('before', 'must be a cursor from a previous page');
      throw error;
    }
  }
}
