import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { READ_MODEL_STORE, type ReadModelStore, type StatsBucket } from '@zan/read-models';
import { AdminOnly } from '../../auth/auth.guard';
import { AUTHENTICATED, ApiProblems } from '../../http/openapi';
import { pageSize } from '../../http/query-params';
import { StatsRangeQuery, type StatsRange } from '../stats-range';
import { StatsMerchantSalesDoc } from './read-merchant-sales.dto';

const LIMIT = {
  name: 'limit',
  required: false,
  description: 'Top merchants listed',
  schema: { type: 'integer', minimum: 1, maximum: 100, default: 10 },
} as const;

/** The counters of a day's sales, as the answer names them. */
const SALES_FIELDS = ['orders', 'orderAmount', 'groupBuyOrders', 'groupBuyAmount', 'codePayments', 'codePaymentAmount', 'refunds', 'refundAmount'] as const;
type SalesFigures = Record<(typeof SALES_FIELDS)[number] | 'gross' | 'net', number>;

const salesOf = (bucket: Pick<StatsBucket, (typeof SALES_FIELDS)[number]>): SalesFigures => {
  const figures = Object.fromEntries(SALES_FIELDS.map((field) => [field, bucket[field]])) as SalesFigures;
  figures.gross = bucket.orderAmount + bucket.groupBuyAmount + bucket.codePaymentAmount;
  figures.net = figures.gross - bucket.refundAmount;
  return figures;
};

/**
 * What merchants sell and refund per Beijing day: paid orders, group-buy orders and payments by code
 * against refunds paid out, and the merchants with the most net sales. Per hour, the same counters
 * are in /v1/admin/stats/hourly.
 */
@ApiTags('admin: stats')
@ApiBearerAuth('bearer')
@AdminOnly()
@Controller('v1/admin/stats')
export class ReadMerchantSalesController {
  constructor(@Inject(READ_MODEL_STORE) private readonly store: ReadModelStore) {}

  @Get('merchant-sales')
  @ApiOperation({ summary: 'Merchants’ sales and refunds per Beijing day, their totals and the top merchants by net sales (admin only)' })
  @ApiQuery(LIMIT)
  @ApiOkResponse({ type: StatsMerchantSalesDoc })
  @ApiProblems(...AUTHENTICATED, 'forbidden', 'validation', 'read-model-behind')
  async sales(@StatsRangeQuery('day') range: StatsRange, @Query('limit') limit?: string) {
    const size = pageSize(limit, 10, 100);
    const [days, top] = await Promise.all([this.store.stats({ unit: 'day', ...range }), this.store.statsTop({ kind: 'merchants', ...range, limit: size })]);
    const totals = Object.fromEntries(SALES_FIELDS.map((field) => [field, days.reduce((sum, day) => sum + day[field], 0)])) as Pick<
      StatsBucket,
      (typeof SALES_FIELDS)[number]
    >;
    return {
      ...range,
      totals: salesOf(totals),
      days: days.map((day) => ({ day: day.at, ...salesOf(day) })),
      topMerchants: top.map(({ id, amount }) => ({ merchantId: id, net: amount })),
    };
  }
}
