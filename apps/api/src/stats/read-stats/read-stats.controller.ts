import { Controller, Get, Inject } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { READ_MODEL_STORE, type ReadModelStore, type StatsUnit } from '@zan/read-models';
import { AdminOnly } from '../../auth/auth.guard';
import { AUTHENTICATED, ApiProblems } from '../../http/openapi';
import { StatsRangeQuery, type StatsRange } from '../stats-range';
import { StatsSeriesDoc } from './read-stats.dto';

/** Praise, money and traffic per Beijing day or hour, from the projector's aggregates. */
@ApiTags('admin: stats')
@ApiBearerAuth('bearer')
@AdminOnly()
@Controller('v1/admin/stats')
export class ReadStatsController {
  constructor(@Inject(READ_MODEL_STORE) private readonly store: ReadModelStore) {}

  @Get('daily')
  @ApiOperation({
    summary: 'Counts and sums per Beijing day: likes, tips, fundings, withdrawals, transfers, red packets, merchants’ sales and refunds, events (admin only)',
  })
  @ApiOkResponse({ type: StatsSeriesDoc })
  @ApiProblems(...AUTHENTICATED, 'forbidden', 'validation', 'read-model-behind')
  daily(@StatsRangeQuery('day') range: StatsRange) {
    return this.series('day', range);
  }

  @Get('hourly')
  @ApiOperation({ summary: 'The same counts per Beijing hour, with events per minute (admin only)' })
  @ApiOkResponse({ type: StatsSeriesDoc })
  @ApiProblems(...AUTHENTICATED, 'forbidden', 'validation', 'read-model-behind')
  hourly(@StatsRangeQuery('hour') range: StatsRange) {
    return this.series('hour', range);
  }

  private async series(unit: StatsUnit, range: StatsRange) {
    return { ...range, buckets: await this.store.stats({ unit, ...range }) };
  }
}
