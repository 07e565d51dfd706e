import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CLOCK, type Clock } from '@zan/platform';
import { READ_MODEL_STORE, type ReadModelStore, type StatsUnit } from '@zan/read-models';
import { AdminOnly } from '../../auth/auth.guard';
import { AUTHENTICATED, ApiProblems } from '../../http/openapi';
import { ApiStatsRange, statsRange } from '../stats-range';
import { StatsSeriesDoc } from './read-stats.dto';

/** Praise, money and traffic per Beijing day or hour, from the projector's aggregates. */
@ApiTags('admin: stats')
@ApiBearerAuth('bearer')
@AdminOnly()
@Controller('v1/admin/stats')
export class ReadStatsController {
  constructor(
    @Inject(READ_MODEL_STORE) private readonly store: ReadModelStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get('daily')
  @ApiOperation({ summary: 'Counts and sums per Beijing day: likes, tips, fundings, withdrawals, transfers, red packets, events (admin only)' })
  @ApiStatsRange('day')
  @ApiOkResponse({ type: StatsSeriesDoc })
  @ApiProblems(...AUTHENTICATED, 'forbidden', 'validation')
  daily(@Query('from') from?: string, @Query('to') to?: string) {
    return this.series('day', from, to);
  }

  @Get('hourly')
  @ApiOperation({ summary: 'The same counts per Beijing hour, with events per minute (admin only)' })
  @ApiStatsRange('hour')
  @ApiOkResponse({ type: StatsSeriesDoc })
  @ApiProblems(...AUTHENTICATED, 'forbidden', 'validation')
  hourly(@Query('from') from?: string, @Query('to') to?: string) {
    return this.series('hour', from, to);
  }

  private async series(unit: StatsUnit, from: unknown, to: unknown) {
    const range = statsRange(from, to, unit, this.clock.now());
    return { ...range, buckets: await this.store.stats({ unit, ...range }) };
  }
}
